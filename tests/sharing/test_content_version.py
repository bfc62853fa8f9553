"""One content version behind every validator: bumped by any change to public data, the
same on every node running the same release."""
from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from kb import create_app, search
from kb.caching import release_token
from kb.extensions import db
from kb.filters import Filters
from kb.models import IndexChange, User
from kb.models.content import current
from kb.search import SearchParams
from kb.services.reference import REFERENCE_DIR, load_reference_data


def _version() -> int:
    return current(db.session)[0]


def _renamed_reference(tmp_path: Path, county: tuple[str, str], article: tuple[int, str]) -> Path:
    folder = tmp_path / "reference"
    shutil.copytree(REFERENCE_DIR, folder)
    counties = yaml.safe_load((folder / "counties.yaml").read_text(encoding="utf-8"))
    municipalities = yaml.safe_load((folder / "municipalities.yaml").read_text(encoding="utf-8"))
    articles = yaml.safe_load((folder / "articles.yaml").read_text(encoding="utf-8"))
    for row in counties:
        row["name"] = county[1] if row["name"] == county[0] else row["name"]
    for row in municipalities:
        row["county"] = county[1] if row["county"] == county[0] else row["county"]
    for row in articles:
        row["title"] = article[1] if row["number"] == article[0] else row["title"]
    for name, rows in (("counties", counties), ("municipalities", municipalities), ("articles", articles)):
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(rows, allow_unicode=True), encoding="utf-8")
    return folder


def test_load_reference_renames_reach_pages_validators_and_the_index(app, client, cases, tmp_path):
    search.sync_index()
    page = client.get("/exempel/bka-budget")
    assert "Uppsala län" in page.get_data(as_text=True)
    before, pending = _version(), db.session.query(IndexChange).count()
    renamed = _renamed_reference(tmp_path, ("Uppsala län", "Upplands län"), (3, "Barnets bästa först"))
    load_reference_data(renamed)
    db.session.commit()
    assert _version() > before
    assert db.session.query(IndexChange).count() > pending  # the cases showing them, queued
    after = client.get("/exempel/bka-budget", headers={"If-None-Match": page.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != page.headers["ETag"]
    assert "Upplands län" in after.get_data(as_text=True)
    assert "Barnets bästa först" in after.get_data(as_text=True)
    search.sync_index()
    found = search.search(SearchParams(filters=Filters(counties=("Upplands län",))))
    assert [hit.case.slug for hit in found.hits] == ["bka-budget"]
    assert search.search(SearchParams(filters=Filters(counties=("Uppsala län",)))).total == 0


def test_reloading_unchanged_reference_data_changes_nothing(app, cases):
    before, pending = _version(), db.session.query(IndexChange).count()
    load_reference_data()
    db.session.commit()
    assert _version() == before and db.session.query(IndexChange).count() == pending


def test_private_data_leaves_the_version_alone(app, cases):
    before = _version()
    db.session.add(User(email="ny@exempel.se", name="Ny", role="editor"))
    db.session.commit()
    assert _version() == before


def test_a_tag_rename_changes_every_page_showing_it(app, client, cases):
    from kb.models import Tag

    etag = client.get("/exempel/ungdomsdialog-vasteras").headers["ETag"]
    tag = db.session.query(Tag).filter_by(name="ungdomsdialog").one()
    tag.name = "dialog med unga"
    db.session.commit()
    after = client.get("/exempel/ungdomsdialog-vasteras", headers={"If-None-Match": etag})
    assert after.status_code == 200 and "dialog med unga" in after.get_data(as_text=True)


def test_two_nodes_of_one_release_give_the_same_etags(app, client, cases, database_url, tmp_path):
    other = create_app({"DATABASE_URL": database_url, "INDEX_DIR": str(tmp_path / "index-2"),
                        "SERVER_NAME": "kb.test"})
    first = client.get("/exempel/bka-budget")
    second = other.test_client().get("/exempel/bka-budget")
    assert second.status_code == 200 and second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Last-Modified"] == first.headers["Last-Modified"]
    other.test_client().get("/")  # its own app context ends with the request
    with other.app_context():
        db.engine.dispose()


def test_the_release_token_follows_content_not_paths_or_times(app, tmp_path):
    folders = [app.template_folder, app.static_folder]
    copies = [shutil.copytree(folder, tmp_path / str(n)) for n, folder in enumerate(folders)]
    assert release_token(copies) == release_token(folders)  # another path, new mtimes
    base = Path(copies[0]) / "base.html"
    base.write_text(base.read_text(encoding="utf-8") + "<!-- ny -->", encoding="utf-8")
    assert release_token(copies) != release_token(folders)
