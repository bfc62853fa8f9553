"""Migrations on this pass's backend: empty → head, every revision → head, and back down."""
from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from kb import create_app
from kb.extensions import db

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
SCRIPTS = ScriptDirectory(str(MIGRATIONS))
REVISIONS = [s.revision for s in reversed(list(SCRIPTS.walk_revisions()))]
HEAD = SCRIPTS.get_current_head()


@pytest.fixture
def empty_app(empty_database_url, tmp_path):
    app = create_app({"DATABASE_URL": empty_database_url, "INDEX_DIR": str(tmp_path / "index")})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def app_tables() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}


def schema_differences() -> list:
    """What autogenerate would still write: the models and the migrated schema disagree."""
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_history_is_one_line_of_numbered_revisions():
    assert len(SCRIPTS.get_heads()) == 1, "two migrations share a down_revision: renumber one"
    for number, revision in enumerate(REVISIONS, start=1):
        assert revision == f"{number:04d}", f"revision {revision} should be {number:04d}"


def test_empty_database_upgrades_to_a_schema_matching_the_models(empty_app):
    upgrade()
    assert current_revision() == HEAD
    assert app_tables() == set(db.metadata.tables)
    assert schema_differences() == []


@pytest.mark.slow  # every revision up and down: ~1 s each
@pytest.mark.parametrize("start", REVISIONS)
def test_every_revision_upgrades_to_head_and_downgrades_back(empty_app, start):
    upgrade(revision=start)
    assert current_revision() == start
    upgrade()
    assert current_revision() == HEAD
    downgrade(revision=start)
    assert current_revision() == start
    downgrade(revision="base")
    assert current_revision() is None
    assert app_tables() == set()


def test_cases_survive_an_upgrade_from_the_data_revision(empty_app, case_data):
    """A case written at the reference-data revision is still there at head."""
    from kb.services.cases import save_case

    upgrade(revision="0002")
    if REVISIONS[-1] == "0002":
        pytest.skip("no migration after 0002 yet")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisations (name, organisation_type) VALUES ('Exempelby kommun', 'kommun')"))
    upgrade()
    db.session.remove()
    case = save_case(case_data())
    db.session.commit()
    assert case.organisation.name == "Exempelby kommun"


def test_revisions_get_their_rendered_html_in_0003(empty_app):
    """Revisions saved before 0003 have their body rendered once by the upgrade."""
    upgrade(revision="0002")
    now = "2024-01-01 00:00:00"
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO organisations (id, name, organisation_type) VALUES (1, 'Exempelby', 'kommun')"))
        conn.execute(sa.text(
            "INSERT INTO cases (id, slug, title, summary, body, body_html, organisation_id, status, version, "
            "created_at, updated_at) VALUES (1, 'ett', 'Ett', 'S', 'b', '<p>b</p>', 1, 'published', 2, "
            ":now, :now)"), {"now": now})
        revisions = sa.table("revisions", *(sa.column(c) for c in ("id", "case_id", "number", "created_at",
                                                                      "message")),
                             sa.column("data", sa.JSON))
        conn.execute(revisions.insert(), [
            {"id": n, "case_id": 1, "number": n, "created_at": now, "message": "",
             "data": {"title": "Ett", "body": body, "status": "published"}}
            for n, body in ((1, "Första *texten* <script>x</script>"), (2, ""))
        ])
    upgrade()
    with db.engine.connect() as conn:
        html = dict(conn.execute(sa.text("SELECT number, body_html FROM revisions")).all())
    assert html[1] == "<p>Första <em>texten</em> x</p>" and html[2] == ""
    downgrade(revision="0002")
    assert "body_html" not in {c["name"] for c in sa.inspect(db.engine).get_columns("revisions")}


def _case_with_children(conn, case_id: int, slug: str) -> None:
    now = "2024-01-01 00:00:00"
    conn.execute(sa.text(
        "INSERT INTO cases (id, slug, title, summary, body, body_html, organisation_id, status, version, "
        "created_at, updated_at) VALUES (:id, :slug, 'T', 'S', 'b', '<p>b</p>', 1, 'draft', 1, :now, :now)"),
        {"id": case_id, "slug": slug, "now": now})
    conn.execute(sa.text("INSERT INTO contacts (case_id, position, name) VALUES (:id, 0, 'Anna')"),
                 {"id": case_id})
    conn.execute(sa.text("INSERT INTO sources (case_id, position, title) VALUES (:id, 0, 'Rapport')"),
                 {"id": case_id})
    conn.execute(sa.text("INSERT INTO case_articles (case_id, article_number) VALUES (:id, 12)"),
                 {"id": case_id})
    conn.execute(sa.text("INSERT INTO revisions (case_id, number, created_at, message, data) "
                         "VALUES (:id, 1, :now, '', '{}')"), {"id": case_id, "now": now})
    conn.execute(sa.text("INSERT INTO case_events (case_id, at, action, comment) "
                         "VALUES (:id, :now, 'case_published', '')"), {"id": case_id, "now": now})


CHILD_TABLES = ("contacts", "sources", "case_articles", "revisions", "case_events")


def _child_counts(conn) -> dict[str, int]:
    return {t: conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in CHILD_TABLES}  # noqa: S608


def test_0009_rebuilds_cases_without_touching_child_rows(empty_app, db_backend):
    """The SQLite table rebuild drops the old ``cases``: with foreign keys enforced that would
    cascade to every child row, so the migration switches them off for it."""
    if db_backend != "sqlite":
        pytest.skip("0009 changes nothing on PostgreSQL (sequences never reuse ids)")
    upgrade(revision="0008")
    sa.event.listen(db.engine, "connect", lambda dbapi, _record: dbapi.execute("PRAGMA foreign_keys=ON"))
    db.engine.dispose()  # new connections enforce foreign keys
    with db.engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.execute(sa.text(
            "INSERT INTO organisations (id, name, organisation_type) VALUES (1, 'Exempelby', 'kommun')"))
        for case_id in (1, 2, 3):
            _case_with_children(conn, case_id, f"fall-{case_id}")
        before = _child_counts(conn)
        conn.execute(sa.text("DELETE FROM cases WHERE id = 3"))  # the newest case, deleted
        conn.execute(sa.text("INSERT INTO index_changes (case_id, created_at) VALUES (3, '2024-01-01')"))
    assert before == dict.fromkeys(CHILD_TABLES, 3)
    upgrade()
    with db.engine.connect() as conn:
        assert _child_counts(conn) == dict.fromkeys(CHILD_TABLES, 2)  # case 3's went with it, before
        assert "AUTOINCREMENT" in conn.execute(sa.text(
            "SELECT sql FROM sqlite_master WHERE name = 'cases'")).scalar()
        assert conn.execute(sa.text("SELECT seq FROM sqlite_sequence WHERE name = 'cases'")).scalar() == 3
    assert schema_differences() == []


def test_a_deleted_cases_id_is_never_reused(empty_app, case_data):
    """On SQLite (AUTOINCREMENT) as on PostgreSQL (a sequence): the id of the newest case,
    deleted, is not handed to the next one, published or not."""
    from kb.services.cases import delete_case, save_case

    upgrade()
    first = save_case(case_data(title="Första", status="draft"))
    db.session.commit()
    newest = save_case(case_data(title="Andra", status="draft"))
    db.session.commit()
    newest_id = newest.id
    delete_case(newest)
    db.session.commit()
    again = save_case(case_data(title="Tredje", status="draft"))
    db.session.commit()
    assert first.id < newest_id < again.id
