"""Child processes, each in its own process group, so that stopping one stops all of it.

uvicorn with `--workers 2` is a supervisor plus two worker processes (plus
multiprocessing's helpers); they all share the group we create here, so
`stop()` signals the whole group and waits until nothing of it is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


class BenchError(Exception):
    """A step failed; the message says which and where its log is."""


def spawn(
    cmd: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path
) -> subprocess.Popen[bytes]:
    """Start `cmd` in a new session (its own process group) with output in `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as out:
        return subprocess.Popen(
            list(cmd),
            env=dict(env),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def stop(proc: subprocess.Popen[bytes], grace: float = 12.0) -> None:
    """SIGTERM the process group, wait up to `grace` seconds, then SIGKILL what is left."""
    pgid = proc.pid  # start_new_session: the leader's pid is the group id
    try:
        _stop(proc, pgid, grace)
    except KeyboardInterrupt:  # a second Ctrl-C while waiting: no more grace
        _kill(pgid, signal.SIGKILL)
        proc.wait(5)
        raise


def _kill(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def _stop(proc: subprocess.Popen[bytes], pgid: int, grace: float) -> None:
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        if proc.poll() is None or _group_alive(pgid):
            _kill(pgid, sig)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader so the group can empty
            if proc.returncode is not None and not _group_alive(pgid):
                return
            time.sleep(0.1)
    if proc.poll() is None or _group_alive(pgid):
        raise BenchError(f"process group {pgid} ({proc.args[0]}) survived SIGKILL")


def run(cmd: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path, timeout: float) -> None:
    """Run `cmd` to completion (bounded by `timeout`); its whole group dies if we are interrupted."""
    proc = spawn(cmd, env, log, cwd)
    try:
        rc = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"`{' '.join(cmd)}` took longer than {timeout:.0f}s (log: {log})"
        ) from None
    finally:
        stop(proc, grace=5.0)
    if rc != 0:
        raise BenchError(f"`{' '.join(cmd)}` exited with {rc}:\n{tail(log)}\n(log: {log})")


def tail(log: Path, lines: int = 20) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join("    " + ln for ln in text.splitlines()[-lines:])
