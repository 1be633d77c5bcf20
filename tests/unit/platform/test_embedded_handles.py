"""pgserver's handle file after crashes: dead processes must not keep the engines up."""

import json
import os
import subprocess
import sys

from app.platform.embedded import HANDLES, forget_dead_handles


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_dead_processes_are_forgotten_and_live_ones_kept(tmp_path):
    dead = dead_pid()  # a kill -9'd server or import leaves its pid behind like this
    (tmp_path / HANDLES).write_text(json.dumps([dead, os.getpid()]))
    assert forget_dead_handles(tmp_path) == [os.getpid()]
    assert json.loads((tmp_path / HANDLES).read_text()) == [os.getpid()]


def test_leaving_removes_this_process_and_reports_who_else_is_there(tmp_path):
    (tmp_path / HANDLES).write_text(json.dumps([os.getpid(), dead_pid()]))
    # the last one out: nobody else, so the caller stops the engines
    assert forget_dead_handles(tmp_path, also=os.getpid()) == []
    assert json.loads((tmp_path / HANDLES).read_text()) == []


def test_a_file_torn_by_a_crash_counts_as_empty(tmp_path):
    (tmp_path / HANDLES).write_text("[12, 3")
    assert forget_dead_handles(tmp_path) == []
    assert json.loads((tmp_path / HANDLES).read_text()) == []
    assert forget_dead_handles(tmp_path / "nowhere") == []
