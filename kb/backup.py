"""``kb backup DIR`` / ``kb restore DIR``: a portable dump of the whole database.

A backup is a folder:

- ``tables/<table>.jsonl``: every row of every table as one JSON object per line (dates and
  times in ISO 8601, UTC), readable without this application and loadable into SQLite or
  PostgreSQL alike;
- ``cases/<slug>.md``: every case as an import file (``kb import`` reads them), for people;
- ``manifest.json``: the schema revision, row counts and SHA-256 of each table file, written
  last, so a folder without it is an unfinished backup.

The dump is read in one snapshot transaction, so it is consistent while the site runs.
A restore goes into an empty (or only migrated) database: it migrates to the backup's
revision, loads every row, resets the id sequences, migrates on to the current head and
rebuilds this node's search index, all or nothing.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import with_appcontext

from kb.dates import utcnow
from kb.extensions import db
from kb.models import ContentVersion

FORMAT = "kunskapsbanken-backup"
FORMAT_VERSION = 1
BATCH = 500
SKIP_TABLES = {"alembic_version"}
# Filled by migration 0002 (reference data): a migrated database has rows there already.
SEEDED_BY_MIGRATIONS = {"counties", "municipalities", "articles", "content_version"}


class BackupError(Exception):
    """A backup cannot be written or restored; the message is Swedish, for the operator."""


@dataclass
class BackupResult:
    directory: Path
    revision: str | None
    counts: dict[str, int]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite hands back the UTC times we stored, without zone
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def _decoder(column: sa.Column):
    """A function turning the JSON value back into what ``column`` takes."""
    kind = column.type
    if isinstance(kind, sa.DateTime):
        return lambda v: None if v is None else dt.datetime.fromisoformat(v)
    if isinstance(kind, sa.Date):
        return lambda v: None if v is None else dt.date.fromisoformat(v)
    if isinstance(kind, sa.LargeBinary):
        return lambda v: None if v is None else bytes.fromhex(v)
    if isinstance(kind, sa.Boolean):
        return lambda v: None if v is None else bool(v)
    return lambda v: v


def _tables(conn: sa.Connection) -> list[sa.Table]:
    """The database's tables as they are (reflected), parents before children."""
    meta = sa.MetaData()
    meta.reflect(bind=conn)
    return [t for t in meta.sorted_tables if t.name not in SKIP_TABLES]


def _revision(conn: sa.Connection) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _snapshot_connection() -> sa.Connection:
    """A connection reading one consistent snapshot of the database."""
    if db.engine.dialect.name == "sqlite":
        conn = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql("BEGIN")  # a read transaction: writers wait or see the old data
        return conn
    conn = db.engine.connect().execution_options(isolation_level="REPEATABLE READ",
                                                 postgresql_readonly=True)
    conn.begin()
    return conn


# Never in a backup: a live session token signs a cookie into that account (restored users
# sign in again; an empty token matches no session, kb/auth.py).
SCRUBBED = {"users": {"session_token": ""}}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_backup(directory: Path) -> BackupResult:
    """Dump every table and every case into ``directory`` (new or empty), readable by the
    owner only: it holds password hashes and contact data."""
    if directory.exists() and any(directory.iterdir()):
        raise BackupError(f"Mappen {directory} är inte tom; välj en ny mapp för säkerhetskopian.")
    old_umask = os.umask(0o077)  # files 0600, folders 0700, whatever the caller's umask
    try:
        directory.mkdir(parents=True, exist_ok=True)
        directory.chmod(0o700)
        return _write_backup(directory)
    finally:
        os.umask(old_umask)


def _write_backup(directory: Path) -> BackupResult:
    (directory / "tables").mkdir(exist_ok=True)
    conn = _snapshot_connection()
    try:
        revision = _revision(conn)
        files: dict[str, dict[str, Any]] = {}
        for table in _tables(conn):
            path = directory / "tables" / f"{table.name}.jsonl"
            count = _dump_table(conn, table, path)
            files[table.name] = {"rows": count, "sha256": _sha256(path)}
    finally:
        conn.rollback()
        conn.close()
    from kb.services.exporter import export_cases

    cases = export_cases(directory / "cases")
    manifest = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "revision": revision,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "database": db.engine.dialect.name, "case_files": cases, "tables": files,
    }
    tmp = directory / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, directory / "manifest.json")
    return BackupResult(directory, revision, {k: v["rows"] for k, v in files.items()})


def _dump_table(conn: sa.Connection, table: sa.Table, path: Path) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(yield_per=BATCH).execute(sa.select(table).order_by(*order))
    count = 0
    scrub = SCRUBBED.get(table.name, {})
    with path.open("w", encoding="utf-8") as fh:
        for row in result.mappings():
            values = {k: _encode(v) for k, v in row.items()} | scrub
            fh.write(json.dumps(values, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_manifest(directory: Path) -> dict[str, Any]:
    """The manifest, after checking that every table file is complete and unchanged."""
    path = directory / "manifest.json"
    if not path.is_file():
        raise BackupError(f"{directory} är ingen fullständig säkerhetskopia (manifest.json saknas).")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT or manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"{path}: okänt format på säkerhetskopian.")
    for name, info in manifest["tables"].items():
        table_file = directory / "tables" / f"{name}.jsonl"
        if not table_file.is_file() or _sha256(table_file) != info["sha256"]:
            raise BackupError(f"{table_file} saknas eller är ändrad sedan säkerhetskopian togs.")
    return manifest


def _rows(path: Path, decoders: dict[str, Any]) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            raw = json.loads(line)
            batch.append({k: decoders[k](v) for k, v in raw.items() if k in decoders})
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def user_data_counts(conn: sa.Connection, seeded: set[str]) -> dict[str, int]:
    """Rows in the tables that migrations do not fill (i.e. what someone put there)."""
    counts = {}
    for table in _tables(conn):
        if table.name in seeded:
            continue
        n = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
        if n:
            counts[table.name] = n
    return counts


def restore_backup(directory: Path, *, replace: bool = False) -> BackupResult:
    """Load the backup in ``directory`` into this database (see the module docstring)."""
    from flask_migrate import upgrade

    manifest = read_manifest(directory)
    revision = manifest["revision"]
    with db.engine.connect() as conn:
        current = _revision(conn)
    if current is None:
        upgrade(revision=revision)
    elif current != revision:
        raise BackupError(
            f"Databasen är på version {current} men säkerhetskopian på {revision}. "
            "Återställ till en tom databas (då migreras den först till säkerhetskopians version)."
        )
    with db.engine.begin() as conn:
        tables = _tables(conn)
        existing = user_data_counts(conn, SEEDED_BY_MIGRATIONS)
        if existing and not replace:
            found = ", ".join(f"{name} ({n})" for name, n in sorted(existing.items()))
            raise BackupError(f"Databasen innehåller redan data: {found}. Återställ till en tom "
                              "databas, eller ange --replace för att ersätta allt innehåll.")
        before = _content_version(conn)
        for table in reversed(tables):
            conn.execute(table.delete())
        counts = {table.name: _load_table(conn, table, directory, manifest) for table in tables}
        _reset_sequences(conn, tables)
        _bump_content_version(conn, before)
    db.session.remove()
    upgrade()
    return BackupResult(directory, revision, counts)



def _content_version(conn: sa.Connection) -> int:
    return conn.execute(sa.select(sa.func.max(ContentVersion.version))).scalar() or 0


def _bump_content_version(conn: sa.Connection, before: int) -> None:
    """Past every version readers may have cached, before the restore or in the backup: a
    restored page must never match an ETag of other content."""
    version = max(before, _content_version(conn)) + 1
    values = {"version": version, "changed_at": utcnow()}
    if not conn.execute(sa.update(ContentVersion).values(**values)).rowcount:
        conn.execute(sa.insert(ContentVersion).values(id=1, **values))


def _load_table(conn: sa.Connection, table: sa.Table, directory: Path, manifest: dict) -> int:
    if table.name not in manifest["tables"]:
        return 0
    decoders = {c.name: _decoder(c) for c in table.columns}
    count = 0
    for batch in _rows(directory / "tables" / f"{table.name}.jsonl", decoders):
        conn.execute(table.insert(), batch)
        count += len(batch)
    expected = manifest["tables"][table.name]["rows"]
    if count != expected:
        raise BackupError(f"{table.name}: {count} rader inlästa, säkerhetskopian har {expected}.")
    return count


def _reset_sequences(conn: sa.Connection, tables: list[sa.Table]) -> None:
    """PostgreSQL: move each id sequence past the restored ids (SQLite needs nothing)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        for column in table.primary_key.columns:
            sequence = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, :c)"),
                                    {"t": table.name, "c": column.name}).scalar()
            if sequence:
                highest = sa.select(sa.func.max(column)).scalar_subquery()
                conn.execute(sa.select(sa.func.setval(sequence, sa.func.coalesce(highest, 0) + 1, False)))


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(directory: Path) -> None:
    """Write a portable backup (every table as JSON lines, plus case files) into DIRECTORY."""
    try:
        result = write_backup(directory)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    total = sum(result.counts.values())
    click.echo(f"Säkerhetskopia i {directory}: {len(result.counts)} tabeller, {total} rader, "
               f"schemaversion {result.revision}.")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--replace", is_flag=True, help="Delete everything in the database first.")
@with_appcontext
def restore_command(directory: Path, replace: bool) -> None:
    """Restore a backup made by `kb backup` into an empty database, then rebuild the index."""
    from kb import search

    try:
        result = restore_backup(directory, replace=replace)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    indexed = search.rebuild_index()
    click.echo(f"Återställt från {directory}: {sum(result.counts.values())} rader; sökindexet "
               f"återuppbyggt ({indexed} exempel). Kör kb reindex på övriga noder.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
