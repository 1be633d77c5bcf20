"""Start `emporium` as a real subprocess on a free port, and stop it the way a user would."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    """A running `emporium serve`, started under tests/e2e/reaper.py (a child subreaper), so
    every process it starts, daemons included, stays in its process tree."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
        self.proc = proc  # the reaper: exits once the server and all it started are gone
        self.port = port
        self.log = log
        self.url = f"http://127.0.0.1:{port}"
        self.pid = 0  # the server process itself (the reaper's child)

    def query(self, query: str, variables: dict | None = None) -> dict:
        r = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, timeout=30
        )
        assert r.status_code == 200, r.text
        return r.json()

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def server_running(self) -> bool:
        try:
            return psutil.Process(self.pid).status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            return False

    def tree(self) -> list[str]:
        """Every live process the server started (and the server), by process tree."""
        found = []
        with contextlib.suppress(psutil.NoSuchProcess):
            for p in psutil.Process(self.proc.pid).children(recursive=True):
                with contextlib.suppress(psutil.NoSuchProcess):
                    if p.status() != psutil.STATUS_ZOMBIE:
                        found.append(f"{p.pid} {' '.join(p.cmdline())[:160]}")
        return found

    def ctrl_c(self) -> None:
        """What a terminal does on Ctrl-C: SIGINT to the foreground process group."""
        os.killpg(self.proc.pid, signal.SIGINT)

    def kill9(self) -> None:
        """A crash of the server process alone: what it started keeps running."""
        os.kill(self.pid, signal.SIGKILL)
        psutil.Process(self.pid).wait(timeout=10)

    def wait_stopped(self, timeout: float = 60) -> None:
        """Wait for the server process to exit (after a Ctrl-C); fail if it does not."""
        deadline = time.monotonic() + timeout
        while self.server_running():
            if time.monotonic() > deadline:
                os.killpg(self.proc.pid, signal.SIGKILL)
                raise AssertionError(f"server ignored Ctrl-C:\n{self.output()[-3000:]}")
            time.sleep(0.1)

    def finish(self, grace: float = 5) -> list[str]:
        """After the server exited: what it left running (killed now, so a test run never
        leaks a process); empty when everything stopped within `grace` seconds."""
        try:
            self.proc.wait(timeout=grace)
            return []
        except subprocess.TimeoutExpired:
            left = self.tree()
            self.proc.terminate()  # the reaper kills what is left, and exits 97
            self.proc.wait(timeout=30)
            return left


def launch(args: list[str], env: dict[str, str], log: Path, ready_timeout: float = 180) -> Server:
    """Start `emporium serve` on a free port; returns once /readyz answers 200."""
    port = free_port()
    full_env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, "-m", "app.cli", "serve", "--port", str(port), *args]
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.e2e.reaper", *command],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(proc, port, log)
    try:
        deadline = time.monotonic() + ready_timeout
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"server exited with {proc.returncode}:\n{server.output()}")
            if not server.pid:
                with contextlib.suppress(psutil.NoSuchProcess):
                    for child in psutil.Process(proc.pid).children():
                        if "app.cli" in child.cmdline():
                            server.pid = child.pid
            try:
                if httpx.get(f"{server.url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready in {ready_timeout}s:\n{server.output()}")
            time.sleep(0.3)
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    return server


@contextmanager
def serve(
    args: list[str], env: dict[str, str], log: Path, ready_timeout: float = 180
) -> Iterator[Server]:
    """A server for the block, stopped with one Ctrl-C at its end; fails the test if that
    leaves any process running (every e2e server start checks this)."""
    server = launch(args, env, log, ready_timeout)
    ok = False
    try:
        yield server
        ok = True
    finally:
        if server.server_running():
            server.ctrl_c()
            server.wait_stopped(timeout=30)
        left = server.finish()
        if ok and left:
            raise AssertionError(
                "one Ctrl-C left processes running:\n"
                + "\n".join(left)
                + "\n"
                + server.output()[-3000:]
            )
