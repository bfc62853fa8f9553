"""kb backup / kb restore: a round trip gives back every row, on both databases."""
from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from kb import create_app
from kb.backup import _encode, _tables
from kb.extensions import db
from kb.models import AuditEvent, Case, ContentVersion, User


def all_rows() -> dict[str, list[dict]]:
    """Every row of every table (bar alembic_version, and content_version, which a restore
    moves past every version readers may have cached), in a backend-neutral form."""
    with db.engine.connect() as conn:
        out = {}
        for table in _tables(conn):
            if table.name == "content_version":
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            rows = conn.execute(sa.select(table).order_by(*order)).mappings()
            out[table.name] = [{k: _encode(v) for k, v in row.items()} for row in rows]
        return out


@pytest.fixture
def filled(app, make_case):
    """A database with cases in several states, edits (revisions), a rename, a user, an event."""
    from kb.services.cases import save_case

    user = User(email="redaktor@example.se", name="Åsa Öberg", password_hash="x", session_token="t")
    db.session.add(user)
    db.session.flush()
    first = make_case(title="Barnrättsombud i skolan", tags=["skola", "delaktighet"],
                      contacts=[{"name": "Åsa", "role": "Samordnare", "email": "a@example.se"}],
                      sources=[{"title": "Rapport", "url": "https://example.se/r.pdf"}])
    make_case(title="Ett utkast om fritid", status="draft")
    data = {**case_data_of(first), "title": "Barnrättsombud i grundskolan", "slug": "barnrattsombud"}
    save_case(data, case=first, user=user, message="Ny rubrik")
    db.session.add(AuditEvent(user_id=user.id, action="login", target="redaktor@example.se", ip="127.0.0.1"))
    db.session.commit()
    rows = all_rows()
    for row in rows["users"]:  # what a restore gives back: no live sessions (SECURITY.md)
        row["session_token"] = ""
    return rows


def case_data_of(case):
    from kb.services.cases import case_to_data

    return case_to_data(case)


def restore_into(url: str, tmp_path, backup_dir, *extra: str):
    target = create_app({"DATABASE_URL": url, "INDEX_DIR": str(tmp_path / "index2")})
    with target.app_context():
        result = target.test_cli_runner().invoke(args=["restore", str(backup_dir), *extra])
        rows = all_rows() if result.exit_code == 0 else None
        db.session.remove()
        db.engine.dispose()
    return result, rows


def test_backup_then_restore_into_an_empty_database_gives_back_every_row(
        app, runner, filled, tmp_path, empty_database_url):
    backup_dir = tmp_path / "backup"
    result = runner.invoke(args=["backup", str(backup_dir)])
    assert result.exit_code == 0, result.output
    assert "Säkerhetskopia" in result.output
    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"]["cases"]["rows"] == 2
    assert {p.name for p in (backup_dir / "cases").iterdir()} == {
        "barnrattsombud.md", "ett-utkast-om-fritid.md"}

    result, restored = restore_into(empty_database_url, tmp_path, backup_dir)
    assert result.exit_code == 0, result.output
    assert "Återställt" in result.output
    assert restored == filled
    assert restored["slug_redirects"][0]["old_slug"] == "barnrattsombud-i-skolan"


def test_backup_restores_into_sqlite_whatever_it_was_taken_from(app, runner, filled, tmp_path):
    """The dump is portable: a PostgreSQL backup loads into SQLite (and the other way round)."""
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    result, restored = restore_into(f"sqlite:///{tmp_path / 'other.sqlite3'}", tmp_path, backup_dir)
    assert result.exit_code == 0, result.output
    assert restored == filled


@pytest.mark.postgres
def test_sqlite_backup_restores_into_postgresql(tmp_path, case_data, pg_schemas):
    from flask_migrate import upgrade

    from kb.services.cases import save_case

    source = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'src.sqlite3'}",
                         "INDEX_DIR": str(tmp_path / "index")})
    with source.app_context():
        upgrade()
        save_case(case_data(title="Ungdomsråd med egen budget"))
        db.session.commit()
        expected = all_rows()
        assert source.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
        db.engine.dispose()
    schema = pg_schemas.new("restore")
    try:
        result, restored = restore_into(pg_schemas.url(schema), tmp_path, tmp_path / "b")
    finally:
        pg_schemas.drop(schema)
    assert result.exit_code == 0, result.output
    assert restored == expected


def test_restore_refuses_a_database_with_data_unless_told_to_replace(app, runner, filled, tmp_path,
                                                                    make_case):
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    make_case(title="Skrivet efter säkerhetskopian")

    result = runner.invoke(args=["restore", str(backup_dir)])
    assert result.exit_code != 0
    assert "innehåller redan data" in result.output
    assert "cases (3)" in result.output

    before = db.session.scalar(sa.select(ContentVersion.version))
    result = runner.invoke(args=["restore", "--replace", str(backup_dir)])
    assert result.exit_code == 0, result.output
    db.session.remove()
    assert all_rows() == filled
    # an ETag cached before the restore (or when the backup was taken) never matches again
    assert db.session.scalar(sa.select(ContentVersion.version)) > before


def test_backup_refuses_a_folder_that_is_not_empty(runner, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "kvar.txt").write_text("x")
    result = runner.invoke(args=["backup", str(tmp_path / "old")])
    assert result.exit_code != 0
    assert "inte tom" in result.output


def test_restore_refuses_an_unfinished_or_altered_backup(app, runner, filled, tmp_path,
                                                         empty_database_url):
    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    with (backup_dir / "tables" / "cases.jsonl").open("a") as fh:
        fh.write("{}\n")
    result, _ = restore_into(empty_database_url, tmp_path, backup_dir)
    assert result.exit_code != 0
    assert "ändrad sedan säkerhetskopian" in result.output

    (backup_dir / "manifest.json").unlink()
    result, _ = restore_into(empty_database_url, tmp_path, backup_dir)
    assert result.exit_code != 0
    assert "manifest.json saknas" in result.output


def test_restored_site_serves_the_cases_and_its_index_is_in_sync(app, runner, filled, tmp_path,
                                                                 empty_database_url):
    from kb import search

    backup_dir = tmp_path / "backup"
    assert runner.invoke(args=["backup", str(backup_dir)]).exit_code == 0
    target = create_app({"DATABASE_URL": empty_database_url, "INDEX_DIR": str(tmp_path / "index2"),
                         "SERVER_NAME": "kb.test"})
    with target.app_context():
        assert target.test_cli_runner().invoke(args=["restore", str(backup_dir)]).exit_code == 0
        client = target.test_client()
        page = client.get("/exempel/barnrattsombud")
        assert page.status_code == 200
        assert "Barnrättsombud i grundskolan" in page.get_data(as_text=True)
        assert client.get("/exempel/barnrattsombud-i-skolan").status_code == 301
        assert search.index_status()["in_sync"]
        from kb.services.cases import save_case

        # The id sequences continue after the restored rows (PostgreSQL would collide otherwise).
        created = save_case({**case_data_of(db.session.get(Case, 1)), "slug": "ny-efter-aterstallning"})
        db.session.commit()
        assert created.id > max(row["id"] for row in filled["cases"])
        db.session.remove()
        db.engine.dispose()
