"""Run a command as a child of a Linux child subreaper, to see every process it leaves behind.

    python -m tests.e2e.reaper COMMAND...

Daemons the command starts (pg_ctl's postgres, redis-server) detach and would be adopted
by PID 1, out of sight; under a subreaper (prctl PR_SET_CHILD_SUBREAPER) they are adopted
by this process instead, so "nothing left running" can be checked by process tree: every
descendant of this process, alive.

This process ignores SIGINT (the test sends Ctrl-C to the whole process group) and stays
until the command and every descendant have exited, then exits with the command's status
(128 + N for signal N). On SIGTERM it reports what is still running (`LEFTOVER pid cmd`),
kills it, and exits 97.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time

import psutil

PR_SET_CHILD_SUBREAPER = 36
LEFT_BEHIND = 97


def descendants() -> list[psutil.Process]:
    alive = []
    for p in psutil.Process().children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            if p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
    return alive


def reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass


def main() -> int:
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        print("reaper: prctl(PR_SET_CHILD_SUBREAPER) failed", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    terminated = False

    def on_term(signum: int, frame: object) -> None:
        nonlocal terminated
        terminated = True

    signal.signal(signal.SIGTERM, on_term)
    # the command gets the default SIGINT handling back
    child = subprocess.Popen(
        sys.argv[1:], preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL)
    )
    status: int | None = None
    while True:
        if status is None and (rc := child.poll()) is not None:
            status = rc if rc >= 0 else 128 - rc
        reap()
        if status is not None and not descendants():
            return status
        if terminated:
            left = descendants()
            for p in left:
                with contextlib.suppress(psutil.NoSuchProcess):
                    print(f"LEFTOVER {p.pid} {' '.join(p.cmdline())[:200]}", flush=True)
                    p.kill()
            psutil.wait_procs(left, timeout=10)
            reap()
            return LEFT_BEHIND if left else (status if status is not None else LEFT_BEHIND)
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
