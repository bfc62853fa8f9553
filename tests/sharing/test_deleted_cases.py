"""Harvesters learn which published cases went away: ``GET /api/v1/deleted-cases?since=``
lists tombstones written in the same transaction as the deletion or withdrawal."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.extensions import db
from kb.models import CaseTombstone, Status
from kb.services.cases import delete_case, set_status


def get(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.get_data(as_text=True)[:300])
    return response.get_json()


def listed(client, query=""):
    return [(t["slug"], t["reason"]) for t in get(client, "/api/v1/deleted-cases" + query)["results"]]


def test_a_deleted_published_case_is_listed_without_personal_data(client, cases):
    first = cases[0]
    case_id = first.id
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    delete_case(first)
    db.session.commit()
    body = get(client, "/api/v1/deleted-cases")
    assert body["total"] == 1
    (tombstone,) = body["results"]
    assert set(tombstone) == {"id", "slug", "url", "deleted_at", "reason"}
    assert tombstone["id"] == case_id and tombstone["slug"] == "bka-budget"
    assert tombstone["url"] == "http://kb.test/exempel/bka-budget" and tombstone["reason"] == "deleted"
    assert dt.datetime.fromisoformat(tombstone["deleted_at"]) >= before
    text = client.get("/api/v1/deleted-cases").get_data(as_text=True)
    assert "Anna Svensson" not in text and "@" not in text
    assert "bka-budget" not in {c["slug"] for c in get(client, "/api/v1/cases")["results"]}


def test_archiving_and_unpublishing_are_listed_and_publishing_again_clears(client, cases):
    first, second, _draft = cases
    set_status(first, Status.ARCHIVED, None)
    set_status(second, Status.REVIEW, None)
    db.session.commit()
    assert sorted(listed(client)) == [("bka-budget", "archived"), ("ungdomsdialog-vasteras", "unpublished")]
    set_status(second, Status.PUBLISHED, None)
    db.session.commit()
    assert listed(client) == [("bka-budget", "archived")]
    assert "ungdomsdialog-vasteras" in {c["slug"] for c in get(client, "/api/v1/cases")["results"]}
    set_status(first, Status.DRAFT, None)  # reopened: still not public, tombstone stays
    db.session.commit()
    assert listed(client) == [("bka-budget", "archived")]
    delete_case(first)  # deleted later: harvesters already know it went away, at that time
    db.session.commit()
    assert listed(client) == [("bka-budget", "archived")]


def test_cases_never_published_leave_no_trace(client, cases):
    """A draft's slug was never public: deleting it must not publish it now."""
    delete_case(cases[2])
    db.session.commit()
    assert listed(client) == []


def test_a_rolled_back_deletion_leaves_no_tombstone(client, cases):
    delete_case(cases[0])
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(CaseTombstone.id))) == 0
    assert listed(client) == []


def test_since_and_paging(client, cases):
    first, second, _draft = cases
    delete_case(first)
    db.session.commit()
    cut = dt.datetime.now(dt.UTC)
    set_status(second, Status.ARCHIVED, None)
    db.session.commit()
    stamp = cut.isoformat().replace("+00:00", "Z")
    assert listed(client, f"?since={stamp}") == [("ungdomsdialog-vasteras", "archived")]
    everything = [("bka-budget", "deleted"), ("ungdomsdialog-vasteras", "archived")]
    assert listed(client, "?since=2000-01-01") == everything
    page = get(client, "/api/v1/deleted-cases?per_page=1")
    assert page["pages"] == 2
    assert page["links"]["next"] == "http://kb.test/api/v1/deleted-cases?per_page=1&page=2"


@pytest.mark.parametrize("query", ["since=igår", "since=2024-13-01", "per_page=0", "page=x"])
def test_bad_parameters_are_400_with_a_swedish_message(client, cases, query):
    body = get(client, "/api/v1/deleted-cases?" + query, status=400)
    assert "Parametern" in body["error"]["message"]


def test_the_list_is_never_served_stale_from_the_cache(client, cases):
    assert listed(client) == []
    etag = client.get("/api/v1/deleted-cases").headers["ETag"]
    delete_case(cases[1])
    db.session.commit()
    assert client.get("/api/v1/deleted-cases", headers={"If-None-Match": etag}).status_code == 200
    assert listed(client) == [("ungdomsdialog-vasteras", "deleted")]


def test_a_deleted_cases_id_is_never_given_to_a_new_case(client, cases, make_case):
    """SQLite would hand the highest, deleted id to the next case: an old short link would
    then open another case, and harvesters would be told the new one was deleted."""
    last = make_case(title="Sist sparade exemplet", slug="sist")
    old_id = last.id
    delete_case(last)
    db.session.commit()
    new = make_case(title="Ett nytt exempel", slug="nytt")
    assert new.id > old_id
    assert {t["id"] for t in get(client, "/api/v1/deleted-cases")["results"]} == {old_id}
    assert client.get(f"/exempel/{old_id}").status_code == 410
    assert client.get(f"/exempel/{new.id}").headers["Location"].endswith("/exempel/nytt")


def test_a_shared_link_to_a_withdrawn_case_says_it_is_gone(client, cases):
    first, second, draft = cases
    case_id = first.id
    delete_case(first)
    set_status(second, Status.ARCHIVED, None)
    db.session.commit()
    for path in ("/exempel/bka-budget", f"/exempel/{case_id}", "/exempel/ungdomsdialog-vasteras"):
        response = client.get(path)
        assert response.status_code == 410, path
        assert "Exemplet finns inte längre" in response.get_data(as_text=True)
    assert client.get("/exempel/utkast-sommarlov").status_code == 404  # never published
    assert client.get("/exempel/finns-inte-alls").status_code == 404
