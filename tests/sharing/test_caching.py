"""Shared links: validators, 304s, Cache-Control for readers and editors, one request path."""
from __future__ import annotations

import pytest
from flask import g

from kb.extensions import db
from kb.services.cases import case_to_data, save_case

CACHED_PATHS = ("/exempel/bka-budget", "/flode.atom", "/tagg/styrning/flode.atom", "/api/v1/cases",
                "/sitemap.xml", "/exempel/bka-budget/version/1")


@pytest.mark.parametrize("path", CACHED_PATHS)
def test_validators_and_304(client, cases, path):
    first = client.get(path)
    assert first.status_code == 200
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert first.cache_control.public and first.cache_control.max_age == 60
    assert "Cookie" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag and again.cache_control.public
    since = client.get(path, headers={"If-Modified-Since": last_modified})
    assert since.status_code == 304
    other = client.get(path, headers={"If-None-Match": 'W/"something-else"'})
    assert other.status_code == 200 and other.data == first.data


def test_a_change_invalidates_the_validator_and_the_page(client, cases):
    first = cases[0]
    response = client.get("/exempel/bka-budget")
    etag = response.headers["ETag"]
    data = case_to_data(first)
    data["summary"] = "En helt ny sammanfattning."
    save_case(data, case=first)
    db.session.commit()
    after = client.get("/exempel/bka-budget", headers={"If-None-Match": etag})
    assert after.status_code == 200
    assert "En helt ny sammanfattning." in after.get_data(as_text=True)
    assert after.headers["ETag"] != etag


def test_a_change_to_another_case_refreshes_lists_too(client, cases):
    etag = client.get("/flode.atom").headers["ETag"]
    from kb.services.cases import delete_case

    delete_case(cases[1])
    db.session.commit()
    after = client.get("/flode.atom", headers={"If-None-Match": etag})
    assert after.status_code == 200 and "Ungdomsdialog" not in after.get_data(as_text=True)


def test_editors_see_changes_at_once_and_nothing_is_stored(client, cases, login):
    reader = client.get("/exempel/bka-budget")
    login()
    response = client.get("/exempel/bka-budget", headers={"If-None-Match": reader.headers["ETag"]})
    assert response.status_code == 200  # never a 304 from a reader's validator
    assert response.cache_control.no_store and response.cache_control.private
    assert not response.cache_control.public
    draft = client.get("/exempel/utkast-sommarlov")
    assert draft.status_code == 200 and draft.cache_control.no_store
    assert client.get("/flode.atom").cache_control.no_store
    assert client.get("/api/v1/cases/utkast-sommarlov").cache_control.no_store


def test_drafts_and_unknown_pages_are_not_marked_public(client, cases):
    response = client.get("/exempel/utkast-sommarlov")
    assert response.status_code == 404 and not response.cache_control.public


def test_other_public_pages_get_a_body_etag(client, cases):
    response = client.get("/exempel")
    assert response.cache_control.public and response.headers.get("ETag")
    assert client.get("/exempel", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_short_links_and_old_slugs_redirect_permanently(client, cases):
    first = cases[0]
    assert client.get(f"/exempel/{first.id}").location.endswith("/exempel/bka-budget")
    assert client.get(f"/exempel/{first.id}").status_code == 301
    data = case_to_data(first)
    data["slug"] = "bka-i-budgeten"
    save_case(data, case=first)
    db.session.commit()
    moved = client.get("/exempel/bka-budget")
    assert moved.status_code == 301 and moved.location.endswith("/exempel/bka-i-budgeten")
    assert client.get("/exempel/bka-budget/version/1").location.endswith("/exempel/bka-i-budgeten/version/1")


def test_search_and_filtered_lists_are_shareable_urls(client, cases):
    from kb import search

    search.sync_index()
    for path in ("/sok?q=ungdomsdialog&county=V%C3%A4stmanlands+l%C3%A4n", "/tagg/ungdomsdialog?page=1"):
        first, second = client.get(path), client.get(path)
        assert first.status_code == 200 and "Ungdomsdialog i Västerås" in first.get_data(as_text=True)
        assert first.data == second.data


def test_every_request_goes_through_flask(app, cases, monkeypatch):
    """No layer in front of Flask: each repeat renders, with its own request id."""
    import kb.public.routes as public_routes

    client = app.test_client(use_cookies=False)
    rendered = []
    real = public_routes.render_template
    monkeypatch.setattr(public_routes, "render_template",
                        lambda *a, **k: rendered.append(a[0]) or real(*a, **k))
    first, second = client.get("/exempel/bka-budget"), client.get("/exempel/bka-budget")
    assert len(rendered) == 2 and second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    not_modified = client.get("/exempel/bka-budget", headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and len(rendered) == 2  # validated, not rendered
    assert not_modified.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]


@pytest.mark.parametrize("header", ['"other", {etag}', "{strong}", "*", 'W/"other",{etag}'])
def test_if_none_match_is_parsed_not_searched(client, cases, header):
    etag = client.get("/exempel/bka-budget").headers["ETag"]
    strong = etag.removeprefix("W/")
    value = header.format(etag=etag, strong=strong)
    response = client.get("/exempel/bka-budget", headers={"If-None-Match": value})
    assert response.status_code == 304


def test_an_etag_inside_another_tag_does_not_match(client, cases):
    etag = client.get("/exempel/bka-budget").headers["ETag"].removeprefix("W/").strip('"')
    response = client.get("/exempel/bka-budget", headers={"If-None-Match": f'"x{etag}", "{etag}x"'})
    assert response.status_code == 200


def test_a_stale_page_is_never_validated(app, client, cases, login):
    anonymous = app.test_client(use_cookies=False)
    before = anonymous.get("/exempel/bka-budget").headers["ETag"]
    data = case_to_data(cases[0])
    data["title"] = "Ny titel på exemplet"
    save_case(data, case=cases[0])
    db.session.commit()  # the commit forgets the data stamp in this process at once
    after = anonymous.get("/exempel/bka-budget")
    assert after.headers["ETag"] != before and "Ny titel på exemplet" in after.get_data(as_text=True)
    login()
    draft = client.get("/exempel/utkast-sommarlov")
    assert draft.status_code == 200 and "private" in draft.headers["Cache-Control"]
    g.pop("_login_user", None)  # the test's app context outlives requests; a real one does not
    assert anonymous.get("/exempel/utkast-sommarlov").status_code == 404


def test_a_change_committed_by_another_process_changes_the_validator(app, cases):
    """Another worker's commit never reaches this process's after-commit hook: once the shared
    stamp is re-read (after STAMP_TTL), the page and its validator are new."""
    from sqlalchemy.orm import Session

    anonymous = app.test_client(use_cookies=False)
    before = anonymous.get("/exempel/bka-budget")
    with Session(db.engine) as other:  # what another process's save looks like from here
        case = other.get(type(cases[0]), cases[0].id)
        case.title = "Ändrad av en annan process"
        other.commit()
    db.session.expire_all()  # a real request starts a new session; the test's context outlives them
    app.extensions["kb_stamp_cache"].ttl = 0  # as if STAMP_TTL had passed
    after = anonymous.get("/exempel/bka-budget")
    assert after.headers["ETag"] != before.headers["ETag"]
    assert "Ändrad av en annan process" in after.get_data(as_text=True)
    stale = anonymous.get("/exempel/bka-budget", headers={"If-None-Match": before.headers["ETag"]})
    assert stale.status_code == 200
