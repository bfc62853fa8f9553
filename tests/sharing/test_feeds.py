"""Atom feeds: everything, per tag, county, article, organisation type and search; discoverable."""
from __future__ import annotations

import feedparser
import pytest

from kb.extensions import db
from kb.services.cases import case_to_data, save_case


def parse(client, path):
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.data)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


def test_main_feed_lists_published_cases_newest_change_first(client, cases):
    first, second, _draft = cases
    feed = parse(client, "/flode.atom")
    assert feed.version == "atom10"
    assert feed.feed.language == "sv"
    titles = [entry.title for entry in feed.entries]
    assert titles == [second.title, first.title]  # the draft never appears
    entry = feed.entries[1]
    assert entry.link == "http://kb.test/exempel/bka-budget"
    assert entry.id == f"http://kb.test/exempel/{first.id}"  # stable across slug changes
    assert entry.author == "Exempelby kommun"
    assert {t.term for t in entry.tags} == {"barnkonsekvensanalys", "styrning"}
    assert "budgeten" in entry.content[0].value and "<h2>" in entry.content[0].value
    assert entry.summary == first.summary


def test_an_update_moves_a_case_to_the_top(client, cases):
    first, _second, _draft = cases
    data = case_to_data(first)
    data["summary"] = "Ny sammanfattning efter uppföljningen."
    save_case(data, case=first)
    db.session.commit()
    feed = parse(client, "/flode.atom")
    assert feed.entries[0].title == first.title
    assert feed.entries[0].summary == "Ny sammanfattning efter uppföljningen."


@pytest.mark.parametrize("path, expected", [
    ("/tagg/ungdomsdialog/flode.atom", ["Ungdomsdialog i Västerås"]),
    ("/lan/uppsala-lan/flode.atom", ["Barnkonsekvensanalys i budgetarbetet"]),
    ("/artikel/3/flode.atom", ["Barnkonsekvensanalys i budgetarbetet"]),
    ("/artikel/12/flode.atom", ["Ungdomsdialog i Västerås", "Barnkonsekvensanalys i budgetarbetet"]),
    ("/organisationstyp/kommun/flode.atom",
     ["Ungdomsdialog i Västerås", "Barnkonsekvensanalys i budgetarbetet"]),
    ("/organisationstyp/region/flode.atom", []),
])
def test_filtered_feeds(client, cases, path, expected):
    feed = parse(client, path)
    assert [e.title for e in feed.entries] == expected
    assert feed.feed.links[0].rel == "self"


def test_unknown_feed_subjects_are_404(client, cases):
    for path in ("/tagg/finns-inte/flode.atom", "/lan/finns-inte/flode.atom",
                 "/artikel/99/flode.atom", "/organisationstyp/finns-inte/flode.atom"):
        assert client.get(path).status_code == 404


def test_empty_feed_is_still_valid(client):
    feed = parse(client, "/flode.atom")
    assert feed.entries == []
    assert feed.feed.updated


def test_control_characters_cannot_break_the_feed(client, make_case):
    make_case(title="Titel med \x0b styrtecken", slug="styrtecken", body="Text\x01 med\x1f tecken")
    feed = parse(client, "/flode.atom")
    assert feed.entries[0].title.split() == ["Titel", "med", "styrtecken"]


def test_search_feed_follows_a_search(client, cases):
    from kb import search

    search.sync_index()
    feed = parse(client, "/sok/flode.atom?q=ungdomsdialog")
    assert [e.title for e in feed.entries] == ["Ungdomsdialog i Västerås"]
    assert "ungdomsdialog" in feed.feed.title
    feed = parse(client, "/sok/flode.atom?county=Uppsala+l%C3%A4n")
    assert [e.title for e in feed.entries] == ["Barnkonsekvensanalys i budgetarbetet"]


def test_search_feed_rejects_bad_parameters_with_a_message(client, cases):
    response = client.get("/sok/flode.atom?article=99")
    assert response.status_code == 400
    assert "Artikel" in response.get_data(as_text=True)


def test_feeds_are_discoverable_from_the_pages(client, cases):
    def alternates(path):
        html = client.get(path).get_data(as_text=True)
        return [line for line in html.splitlines() if 'rel="alternate" type="application/atom+xml"' in line]

    assert any('href="/flode.atom"' in line for line in alternates("/"))
    assert any('href="/tagg/ungdomsdialog/flode.atom"' in line for line in alternates("/tagg/ungdomsdialog"))
    assert any('href="/lan/uppsala-lan/flode.atom"' in line for line in alternates("/lan/uppsala-lan"))
    assert any('href="/artikel/12/flode.atom"' in line for line in alternates("/artikel/12"))
    assert any("/sok/flode.atom?q=budget" in line for line in alternates("/sok?q=budget&page=1"))
