"""Drive load with wrk (Debian's package) and parse what it prints."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from bench.procs import BenchError, run

LUA = Path(__file__).with_name("wrk.lua")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


@dataclass(frozen=True)
class Result:
    requests: int
    duration_s: float
    req_per_s: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    graphql_errors: int
    wrk_cpu_s: float = 0.0  # CPU time wrk itself used: what it took away from the server
    carts: int = 0  # the cart scenario: carts created (each then gets 3 adds and a read)

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors + self.graphql_errors

    def as_dict(self) -> dict[str, float | int]:
        return {**asdict(self), "errors": self.errors}


def ensure_wrk() -> str:
    """The wrk binary; installed with apt-get (as root) when missing."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise BenchError("wrk is not installed; run: sudo apt-get install -y wrk")
    print("wrk: not installed; apt-get install -y wrk …", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "-q", "-y", "-o", "DPkg::Lock::Timeout=300", "install", "wrk"]
    for attempt in (install, ["apt-get", "-q", "update"], install):
        done = subprocess.run(attempt, env=env, capture_output=True, text=True, timeout=900)
        if done.returncode == 0 and attempt is install and shutil.which("wrk"):
            return shutil.which("wrk") or "wrk"
    raise BenchError(f"could not install wrk with apt-get:\n{done.stdout[-2000:]}{done.stderr}")


def wrk_version(wrk: str) -> str:
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    return (done.stdout or done.stderr).splitlines()[0].split(" Copyright")[0].strip()


def load(
    wrk: str,
    url: str,
    *,
    duration: int,
    connections: int,
    threads: int,
    body: Path | None,
    log: Path,
    cwd: Path,
    script: Path = LUA,
) -> Result:
    """One wrk run against `url` (127.0.0.1 only), bounded by `duration`."""
    if not url.startswith("http://127.0.0.1:"):
        raise BenchError(f"refusing to load anything but 127.0.0.1: {url}")
    cmd = [
        wrk, f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--latency",
        "--timeout", "10s", "-s", str(script), url,
    ]  # fmt: skip
    if body is not None:
        cmd += ["--", str(body)]
    log.write_text("")
    before = _children_cpu()
    run(cmd, os.environ, log, cwd, timeout=duration + 60)
    return replace(parse(log.read_text()), wrk_cpu_s=round(_children_cpu() - before, 2))


def _children_cpu() -> float:
    """CPU seconds of reaped children; between two calls only wrk is reaped."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def _ms(text: str) -> float:
    m = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not m:
        raise BenchError(f"unexpected wrk time {text!r}")
    return float(m.group(1)) * _UNITS[m.group(2)]


def parse(out: str) -> Result:
    """Fields of wrk's report (with --latency and bench/wrk.lua's done())."""

    def find(pattern: str, default: str | None = None) -> str:
        m = re.search(pattern, out, re.MULTILINE)
        if m:
            return m.group(1)
        if default is None:
            raise BenchError(f"no {pattern!r} in wrk output:\n{out}")
        return default

    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return Result(
        requests=int(find(r"^\s*(\d+) requests in")),
        duration_s=_ms(find(r"requests in ([\d.]+\w+),")) / 1000,
        req_per_s=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_ms(find(r"^\s+50%\s+(\S+)")),
        p99_ms=_ms(find(r"^\s+99%\s+(\S+)")),
        non_2xx=int(find(r"Non-2xx or 3xx responses: (\d+)", "0")),
        socket_errors=sum(int(n) for n in sock.groups()) if sock else 0,
        graphql_errors=int(find(r"^graphql_errors: (\d+)", "0")),
        carts=int(find(r"^carts: (\d+)", "0")),
    )
