"""Test databases: a SQLite file per test, or a PostgreSQL schema per session.

The suite runs once per backend (``pytest --db=sqlite`` / ``--db=postgresql``, or the
``KB_TEST_DATABASE`` environment variable). On PostgreSQL each pytest session gets its own
schema in the ``test`` database (so engineers and CI runs never meet), migrated once;
between tests every table is emptied and the rows the migrations seeded
(reference data) are copied back from a snapshot, which takes milliseconds.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

BACKENDS = ("sqlite", "postgresql")
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
SCHEMA_PREFIX = "kbt_"


def pg_server_url() -> str:
    """The PostgreSQL server used by the PostgreSQL pass (``KB_TEST_PG_URL`` overrides)."""
    return os.environ.get("KB_TEST_PG_URL", DEFAULT_PG_URL)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _conninfo(url: str) -> str:
    """A libpq URL without SQLAlchemy's driver suffix."""
    return re.sub(r"^postgres(ql)?(\+\w+)?://", "postgresql://", url)


def pg_unreachable_reason(url: str | None = None) -> str | None:
    """None when the server answers, else why not (for the skip or failure message)."""
    import psycopg

    try:
        with psycopg.connect(_conninfo(url or pg_server_url()), connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"PostgreSQL på {url or pg_server_url()} svarar inte: {exc}".strip()
    return None


def with_search_path(url: str, schema: str) -> str:
    """``url`` whose connections use ``schema`` (so subprocesses given the URL do too)."""
    sep = "&" if "?" in url else "?"
    options = quote(f"-csearch_path={schema}", safe="")
    return f"{url}{sep}options={options}&application_name={schema}"


class PostgresSchemas:
    """Creates and drops throw-away schemas in the ``test`` database for one pytest session."""

    def __init__(self, server_url: str) -> None:
        import psycopg

        self.server_url = server_url
        self.tag = f"{SCHEMA_PREFIX}{os.getpid()}_{secrets.token_hex(3)}"
        self.conn = psycopg.connect(_conninfo(server_url), autocommit=True)
        self._count = 0
        self.drop_abandoned()

    def reconnect(self) -> None:
        """A new connection (after the server restarted, as `make stress` makes it do)."""
        import psycopg

        self.conn.close()
        self.conn = psycopg.connect(_conninfo(self.server_url), autocommit=True)

    def new(self, label: str = "") -> str:
        """A fresh empty schema; returns its name."""
        self._count += 1
        name = f"{self.tag}_{label}{self._count}"
        self.conn.execute(f'CREATE SCHEMA "{name}"')
        return name

    def url(self, schema: str) -> str:
        return with_search_path(self.server_url, schema)

    def drop(self, schema: str) -> None:
        self._terminate(schema)
        self.conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        rows = self.conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (self.tag + "%",)
        ).fetchall()
        for (name,) in rows:
            self.drop(name)
        self.conn.close()

    def drop_abandoned(self) -> None:
        """Drop schemas left by test sessions whose process is gone (killed runs)."""
        rows = self.conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", (SCHEMA_PREFIX + "%",)
        ).fetchall()
        for (name,) in rows:
            match = re.match(rf"{SCHEMA_PREFIX}(\d+)_", name)
            if match and not Path(f"/proc/{match.group(1)}").exists():
                self.drop(name)

    def _terminate(self, schema: str) -> None:
        """End connections that a test (or a server it started) left open on ``schema``."""
        self.conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", (schema,)
        )


class PostgresTestDatabase:
    """One migrated schema per session, emptied and re-seeded before each test."""

    def __init__(self, schemas: PostgresSchemas, migrate: Callable[[str], None]) -> None:
        self.schemas = schemas
        self.schema = schemas.new("main")
        self.url = schemas.url(self.schema)
        migrate(self.url)
        conn = schemas.conn
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s",
            (self.schema,),
        )]
        self.seeded = [t for t in tables if conn.execute(
            f'SELECT EXISTS (SELECT 1 FROM "{self.schema}"."{t}")').fetchone()[0]]
        self.snapshot = schemas.new("seed")
        for table in self.seeded:
            conn.execute(f'CREATE TABLE "{self.snapshot}"."{table}" AS '
                         f'TABLE "{self.schema}"."{table}"')
        self._reset_sql = self._build_reset_sql(tables)

    def _build_reset_sql(self, tables: list[str]) -> str:
        s = self.schema
        # DELETE beats TRUNCATE on tables this small; replica mode skips the FK triggers,
        # so the order does not matter.
        parts = ["SET LOCAL session_replication_role = replica"]
        parts += [f'DELETE FROM "{s}"."{t}"' for t in tables]
        parts += [f'ALTER SEQUENCE "{s}"."{q}" RESTART' for (q,) in self.schemas.conn.execute(
            "SELECT sequencename FROM pg_sequences WHERE schemaname = %s", (s,))]
        parts += [f'INSERT INTO "{s}"."{t}" SELECT * FROM "{self.snapshot}"."{t}"' for t in self.seeded]
        for table in self.seeded:
            row = self.schemas.conn.execute(
                "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped "
                "AND pg_get_serial_sequence(%s, a.attname) IS NOT NULL",
                (f'"{s}"."{table}"',) * 3,
            ).fetchone()
            if row:
                parts.append(f"SELECT setval('{row[1]}', COALESCE((SELECT max(\"{row[0]}\") "
                             f'FROM "{s}"."{table}"), 0) + 1, false)')
        return ";\n".join(parts)

    def reset(self) -> str:
        """Empty every table and restore the seeded rows; returns the URL to use."""
        import psycopg

        conn = self.schemas.conn
        try:
            conn.execute("SET lock_timeout = '5s'")
            self._run_reset()
        except psycopg.errors.LockNotAvailable:
            self.schemas._terminate(self.schema)
            self._run_reset()
        return self.url

    def fresh(self, directory: Path) -> str:
        """:meth:`reset`, under the name :class:`SqliteTestDatabase` uses (one schema per
        session, so ``directory`` is not needed)."""
        return self.reset()

    def _run_reset(self) -> None:
        with self.schemas.conn.transaction():
            self.schemas.conn.execute(self._reset_sql)


class SqliteTestDatabase:
    """A SQLite file migrated once per session; each test gets a copy."""

    def __init__(self, template: Path) -> None:
        self.template = template

    def fresh(self, directory: Path) -> str:
        """A copy of the template at ``directory/kb.sqlite3``, replacing the last test's file
        (a new file, so that a connection still open on the old one cannot write into it)."""
        path = directory / "kb.sqlite3"
        for leftover in ("-journal", "-wal", "-shm"):  # would be replayed into the new file
            Path(f"{path}{leftover}").unlink(missing_ok=True)
        partial = directory / "kb.sqlite3.new"
        shutil.copy(self.template, partial)
        os.replace(partial, path)
        return f"sqlite:///{path}"
