"""Searches that found little: counted for anonymous readers only, listed for editors."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import inspect, select

from kb import search
from kb.extensions import db
from kb.models import SearchMiss
from kb.services import search_misses


def count(query: str) -> int:
    return sum(m.count for m in db.session.scalars(select(SearchMiss).where(SearchMiss.query == query)))


def test_a_search_that_finds_little_is_counted(app, clients, case_data):
    from kb.services.cases import save_case

    for town in ("Nacka", "Lund", "Ystad"):  # more than a few hits
        save_case(case_data(title=f"Barnbudget i {town}", slug=f"barnbudget-{town.lower()}"))
    db.session.commit()
    search.sync_index()
    anon = clients["anon"]
    page = anon.get("/sok?q=Rymdforskning").get_data(as_text=True)
    assert 'src="/static/js/search-miss.js"' in page and 'data-q="Rymdforskning"' in page
    for _ in range(3):
        assert anon.post("/sok/fa-traffar", data={"q": "  Rymdforskning \x00 "}).status_code == 204
    assert count("rymdforskning") == 3
    # many hits, a logged-in editor, or nothing typed: nothing is stored
    anon.post("/sok/fa-traffar", data={"q": "barnbudget"})
    clients["editor"].post("/sok/fa-traffar", data={"q": "marsresa"})
    assert anon.post("/sok/fa-traffar", data={"q": "   "}).status_code == 400
    assert {m.query for m in db.session.scalars(select(SearchMiss))} == {"rymdforskning"}
    assert "search-miss.js" not in clients["editor"].get("/sok?q=Rymdforskning").get_data(as_text=True)


def test_nothing_about_the_reader_is_stored(app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("search_misses")}
    assert columns == {"id", "query", "day", "count"}
    assert len(search_misses.normalise("x" * 5000)) == 100


def test_old_days_are_forgotten(app):
    today = dt.date(2026, 12, 1)
    search_misses.record("gammal fråga", today - dt.timedelta(days=120))
    search_misses.record("ny fråga", today)
    db.session.commit()
    assert [q for q, _, _ in search_misses.most_frequent(today, 10)] == ["ny fråga"]
    assert count("gammal fråga") == 0


def test_editors_see_the_most_frequent_first(app, clients):
    today = dt.date.today()
    for query, times in (("dagis i skogen", 1), ("hemmasittare", 4), ("skolskjuts", 2)):
        for _ in range(times):
            search_misses.record(query, today)
    db.session.commit()
    text = clients["editor"].get("/redaktion/sokningar-utan-traffar").get_data(as_text=True)
    assert re.findall(r'<td><a href="/sok\?q=[^"]+">([^<]+)</a></td>', text) == [
        "hemmasittare", "skolskjuts", "dagis i skogen"]
    assert clients["anon"].get("/redaktion/sokningar-utan-traffar").status_code in (302, 401, 403)


def test_counting_is_rate_limited_per_address(app, clients):
    app.config["SEARCH_MISS_LIMIT"] = "2 per hour"
    codes = [clients["anon"].post("/sok/fa-traffar", data={"q": f"ord{i}"}).status_code for i in range(3)]
    assert codes == [204, 204, 429]
