"""A new gunicorn worker reads the word list and the index before its first request."""
from __future__ import annotations

import logging

from kb import search
from kb.search import analysis
from kb.serving import warm_up


def test_warm_up_reads_the_word_list_and_the_index(app, make_case):
    make_case(title="Barnrättsombud i skolan", slug="barnrattsombud")
    analysis.lexicon.cache_clear()
    with app.app_context():
        store = search._store()
        store.forget()
        assert not store.cache
    warm_up(app)
    assert analysis.lexicon.cache_info().currsize == 1
    assert any(key[0] == "facets" for key in store.cache)  # the facet tables of this commit


def test_a_failed_warm_up_does_not_stop_the_worker(app, monkeypatch, caplog):
    def broken() -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(search, "warm_up", broken)
    with caplog.at_level(logging.WARNING, logger="kb.serving"):
        warm_up(app)
    assert "worker warm-up failed" in caplog.text
