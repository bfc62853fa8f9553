"""Throw-away servers for `make stress` and `make soak`: a PostgreSQL cluster and a Redis.

The fault phase stops PostgreSQL for seconds, so the run brings its own cluster (Debian's
binaries, a temporary data directory, a free port, its unix socket in that directory) and
never touches a server that others use. As root (CI) the cluster runs as the ``postgres``
user, since PostgreSQL refuses to run as root.
"""
from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from tests.production.servers import free_port

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name)
                     if p.parent.name.isdigit() else 0, reverse=True)


def pg_bin(name: str) -> str:
    """A PostgreSQL program: from ``KB_PG_BIN`` or the newest Debian version, else PATH."""
    dirs = [Path(os.environ["KB_PG_BIN"])] if os.environ.get("KB_PG_BIN") else PG_BIN_DIRS
    for directory in dirs:
        if (directory / name).exists():
            return str(directory / name)
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found (install PostgreSQL, or set KB_PG_BIN)")
    return found


class PostgresCluster:
    """A private PostgreSQL cluster: ``start()``, ``stop()`` (for an outage), ``remove()``."""

    def __init__(self) -> None:
        self.as_postgres = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="kb-stress-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/test"
        if self.as_postgres:
            account = pwd.getpwnam("postgres")
            os.chown(self.dir, account.pw_uid, account.pw_gid)
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        settings = {
            "port": str(self.port), "listen_addresses": "'127.0.0.1'",
            "unix_socket_directories": f"'{self.dir}'",
            # Throw-away data: no need to survive a power cut, and less disk I/O on a shared machine.
            "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
            "max_connections": "200",
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{key} = {value}\n" for key, value in settings.items())

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if self.as_postgres else []
        result = subprocess.run([*prefix, *argv], capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(argv)}: {result.stdout}{result.stderr}")
        return result

    def start(self, timeout: int = 60) -> None:
        self._run(pg_bin("pg_ctl"), "start", "-D", str(self.data), "-w", "-t", str(timeout),
                  "-l", str(self.dir / "postgresql.log"))

    def stop(self) -> None:
        """Fast shutdown: open transactions are rolled back, connections cut (an outage)."""
        self._run(pg_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "fast", "-w")

    def create_database(self, name: str = "test") -> None:
        import psycopg

        url = self.url.rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._run(pg_bin("pg_ctl"), "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.dir, ignore_errors=True)


class RedisServer:
    """A private Redis for the rate-limit counters the workers share (no persistence)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(  # noqa: S603 - fixed argv, loopback only
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port),
             "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def remove(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def private_redis_url() -> tuple[str, RedisServer | None]:
    """A private Redis when redis-server is installed, else the one the tests use."""
    if shutil.which("redis-server"):
        server = RedisServer()
        return server.url, server
    return os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), None
