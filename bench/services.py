"""The shared backing services (scripts/services.sh): make sure they run, read their URLs.

The services are shared with the tests and with other clones, so the runner starts
them when they are down and never stops them.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from bench.procs import BenchError

NEEDED = ("DATABASE_URL", "REDIS_URL", "BROKER_URL", "SEARCH_URL")


def _script(root: Path, wait: float) -> Path:
    script = root / "scripts" / "services.sh"
    deadline = time.monotonic() + wait
    announced = False
    while not script.is_file():
        if time.monotonic() > deadline:
            raise BenchError(f"{script} does not exist (waited {wait:.0f}s)")
        if not announced:
            print(f"waiting up to {wait:.0f}s for {script} to appear …", flush=True)
            announced = True
        time.sleep(5)
    return script


def _sh(script: Path, command: str, timeout: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["bash", str(script), command],
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(f"`{script.name} {command}` took longer than {timeout:.0f}s") from None


def ensure_up(root: Path, wait_for_script: float = 600, up_timeout: float = 1800) -> dict[str, str]:
    """Start the services if any is down; return the variables `services.sh env` exports."""
    script = _script(root, wait_for_script)
    # `status` first: it is instant when everything already runs, while `up` takes a lock.
    if _sh(script, "status", 60).returncode != 0:
        print("services: some are down; running scripts/services.sh up …", flush=True)
        up = _sh(script, "up", up_timeout)
        if up.returncode != 0:
            raise BenchError(f"scripts/services.sh up failed:\n{up.stdout}{up.stderr}")
    env = _sh(script, "env", 60)
    if env.returncode != 0:
        raise BenchError(f"scripts/services.sh env failed:\n{env.stderr}")
    found = parse_env(env.stdout)
    missing = [k for k in NEEDED if not found.get(k)]
    if missing:
        raise BenchError(f"scripts/services.sh env does not export {', '.join(missing)}")
    return found


def parse_env(text: str) -> dict[str, str]:
    """`export K=V` lines (values unquoted or in simple quotes) into a dict."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip().removeprefix("export ").strip()
        key, sep, value = line.partition("=")
        if sep and key.isidentifier():
            out[key] = value.strip().strip("'\"")
    return out
