"""Case ids are never handed out twice, on SQLite too (AUTOINCREMENT on cases)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

SQLite gives a new row the highest id + 1 unless the table is AUTOINCREMENT, so deleting the
newest case handed its id to the next one and an old short link /exempel/<id> opened another
case (a session hook used to work around that). PostgreSQL's sequences never go back: nothing
to do there.

SQLite cannot add AUTOINCREMENT to a table, so ``cases`` is rebuilt (batch mode: copy, drop,
rename). Dropping a table deletes its rows first, which would fire the ON DELETE CASCADE of
every child table (contacts, sources, revisions, tags …) if foreign keys were enforced: they
are switched off for the rebuild, which SQLite allows only outside a transaction, and the
upgrade refuses to go on if they are still on; the migration's own connection keeps them
off until it is closed. The counter starts above every id the
database remembers (tombstones of withdrawn cases, the index change log).
"""
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


@contextmanager
def _foreign_keys_off(conn):
    was_on = bool(conn.exec_driver_sql("PRAGMA foreign_keys").scalar())
    if was_on:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        if conn.exec_driver_sql("PRAGMA foreign_keys").scalar():
            raise RuntimeError("SQLite foreign keys are still on (inside a transaction?): rebuilding "
                               "cases now would delete its child rows. Nothing was changed.")
    yield
    problems = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
    if problems:
        raise RuntimeError(f"foreign keys broken by the rebuild of cases: {problems[:5]}")
    # Not switched back on here: inside the migration's transaction that would be a no-op.
    # New connections start as the application configures them.


def _rebuild_cases(autoincrement: bool) -> None:
    with _foreign_keys_off(op.get_bind()), op.batch_alter_table(
            "cases", recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}):
        pass


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild_cases(autoincrement=True)
    op.execute("INSERT INTO sqlite_sequence (name, seq) SELECT 'cases', 0 "
               "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'cases')")
    op.execute(sa.text(
        "UPDATE sqlite_sequence SET seq = MAX(seq, "
        "COALESCE((SELECT MAX(id) FROM cases), 0), "
        "COALESCE((SELECT MAX(case_id) FROM case_tombstones), 0), "
        "COALESCE((SELECT MAX(case_id) FROM index_changes), 0)) WHERE name = 'cases'"))


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    _rebuild_cases(autoincrement=False)
