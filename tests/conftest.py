"""Fixtures: an app on a temporary database and index, its client, CLI runner and helpers."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb import create_app
from kb.extensions import db

ROOT = Path(__file__).resolve().parents[1]
CONTRACT_CASES = ROOT.parent / "shared" / "contract" / "cases"
SEED_CASES = ROOT / "seed_data" / "cases"


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "kb.sqlite3"
    app = create_app({"DATABASE_URL": f"sqlite:///{path}",
                      "INDEX_DIR": str(path.parent / "index")})
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.engine.dispose()
    return path


@pytest.fixture
def app(tmp_path, migrated_db):
    db_path = tmp_path / "kb.sqlite3"
    shutil.copy(migrated_db, db_path)
    app = create_app({
        "DATABASE_URL": f"sqlite:///{db_path}",
        "INDEX_DIR": str(tmp_path / "index"),
        "SERVER_NAME": "kb.test",
    })
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def case_data():
    """A valid case in the import format; tests change what they need."""
    def make(**changes):
        data = {
            "title": "Barnkonsekvensanalys i budgetarbetet",
            "summary": "Kommunen gör en barnkonsekvensanalys inför varje budgetbeslut.",
            "organisation": "Exempelby kommun",
            "organisation_type": "kommun",
            "county": "Uppsala län",
            "municipalities": ["Uppsala"],
            "year": 2021,
            "published": "2023-05-02",
            "tags": ["barnkonsekvensanalys", "styrning"],
            "articles": [3, 12],
            "status": "published",
            "body": "## Bakgrund\n\nPolitikerna ville se barnen i budgeten.\n",
        }
        data.update(changes)
        return data
    return make


@pytest.fixture
def make_case(app, case_data):
    """Save and commit a case built from :func:`case_data` overrides."""
    from kb.services.cases import save_case

    def make(**changes):
        case = save_case(case_data(**changes))
        db.session.commit()
        return case
    return make
