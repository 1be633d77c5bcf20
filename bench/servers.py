"""Start the servers under test on 127.0.0.1, wait until they answer, stop them after."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.procs import BenchError, spawn, stop, tail

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Server:
    name: str
    base_url: str
    log: Path
    pid: int = 0  # leader of the server's process group


def peak_rss_mb(pgid: int) -> dict[str, float]:
    """The peak resident memory (VmHWM) of each process of a process group, in MB."""
    out: dict[str, float] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            if int(fields[2]) != pgid:  # state, ppid, pgrp, ...
                continue
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    out[proc.name] = round(int(line.split()[1]) / 1024, 1)
        except (OSError, ValueError, IndexError):
            continue
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def api_command(emporium: str, port: int, workers: int) -> list[str]:
    # `emporium serve` runs uvicorn without access log and with lifespan on.
    return [emporium, "serve", "--host", HOST, "--port", str(port), "--workers", str(workers)]


def hello_command(python: str, port: int, workers: int, app: str = "bench.hello:app") -> list[str]:
    # The same uvicorn settings `emporium serve` uses (see app/cli.py: cmd_serve).
    return [
        python, "-m", "uvicorn", app,
        "--host", HOST, "--port", str(port), "--workers", str(workers),
        "--log-level", "warning", "--no-access-log", "--lifespan", "on",
        "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip


@contextlib.contextmanager
def serving(
    name: str,
    cmd: Sequence[str],
    port: int,
    ready_path: str,
    env: Mapping[str, str],
    log: Path,
    cwd: Path,
    timeout: float = 90,
) -> Iterator[Server]:
    """Run `cmd` until the block ends (also on error or Ctrl-C), once `ready_path` answers 200."""
    base = f"http://{HOST}:{port}"
    print(f"{name}: starting on {base} (log {log})", flush=True)
    proc = spawn(cmd, env, log, cwd)
    try:
        _wait_ready(name, proc, base + ready_path, log, timeout)
        yield Server(name, base, log, proc.pid)
    finally:
        stop(proc)
        print(f"{name}: stopped", flush=True)


def _wait_ready(
    name: str, proc: subprocess.Popen[bytes], url: str, log: Path, timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    with httpx.Client(timeout=5) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise BenchError(f"{name} exited while starting:\n{tail(log)}\n(log: {log})")
            try:
                r = client.get(url)
                if r.status_code == 200:
                    return
                last = f"{r.status_code} {r.text[:200]}"
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            time.sleep(0.25)
    raise BenchError(f"{name} not ready at {url} after {timeout:.0f}s ({last}):\n{tail(log)}")


def log_problems(log: Path) -> list[str]:
    """Lines of a server log that signal trouble (tracebacks, errors)."""
    try:
        lines = log.read_text(errors="replace").splitlines()
    except OSError:
        return []
    keys = ("Traceback", "ERROR", "CRITICAL", "Exception")
    return [ln for ln in lines if any(k in ln for k in keys)]
