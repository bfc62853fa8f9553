"""The fast path (kb/search/fastpath.py) and Whoosh's public API give the same results; the
fast path switches itself off, once, when Whoosh is not what it expects; and only damage to
the index files counts as damage."""
from __future__ import annotations

import logging
import shutil

import pytest
import whoosh

from bench.generate import generate
from bench.queries import QUERY_MIX, mix_filters
from kb import create_app, search
from kb.extensions import db
from kb.models import Case, Status
from kb.search import engine, fastpath
from kb.search.params import SearchParams
from tests.search.relevance import load_queries

EXTENSION = search.EXTENSION


def _params(q: str, filters: dict, **extra) -> SearchParams:
    return SearchParams(q=q, filters=mix_filters(filters), **extra)


def _outcome(params: SearchParams):
    result = search.search(params)
    scores = [None if hit.score is None else round(hit.score, 9) for hit in result.hits]
    ids = [hit.case.id for hit in result.hits]
    return result.total, ids, scores, result.facets, result.match, result.suggestion


def _both(app, run):
    """``run()`` on the fast path and on Whoosh's public API."""
    store = app.extensions[EXTENSION]
    saved = store.fast
    try:
        store.fast = fastpath.Switch(True)
        assert store.fast.on
        fast = run()
        store.fast = fastpath.Switch(False)
        public = run()
    finally:
        store.fast = saved
    return fast, public


def _assert_same(fast, public, label) -> None:
    assert fast[:2] == public[:2], label  # the same total, the same ids in the same order
    assert fast[2:] == public[2:], label  # scores, facets, suggestion


@pytest.fixture(scope="module")
def mix_app(tmp_path_factory, migrated_db):
    """240 synthetic cases (as the benchmark's) in several segments, some since withdrawn."""
    from kb.services.cases import save_case, set_status
    from kb.services.reference import load_reference_data, reference_loaded

    base = tmp_path_factory.mktemp("mix")
    shutil.copy(migrated_db, base / "kb.sqlite3")
    app = create_app({"DATABASE_URL": f"sqlite:///{base / 'kb.sqlite3'}",
                      "INDEX_DIR": str(base / "index"), "SERVER_NAME": "kb.test"})
    with app.app_context():
        if not reference_loaded():
            load_reference_data()
        cases = generate(240, seed=12)
        for start in (0, 150, 210):
            for data in cases[start:start + {0: 150, 150: 60, 210: 30}[start]]:
                save_case(data)
            db.session.commit()
            search.sync_index()
        for case in db.session.scalars(db.select(Case).where(Case.status == Status.PUBLISHED)
                                       .order_by(Case.id).limit(12)):
            if case.id % 2:
                set_status(case, Status.DRAFT, None)
        db.session.commit()
        search.sync_index()
        db.session.remove()
    return app


@pytest.mark.slow  # the whole corpus and query mix, twice
def test_relevance_corpus_same_on_both_paths(corpus_app):
    with corpus_app.app_context():
        for item in load_queries():
            for sort in (None, "date"):
                params = SearchParams(q=item["q"], sort=sort)
                fast, public = _both(corpus_app, lambda params=params: _outcome(params))
                _assert_same(fast, public, (item["q"], sort))
        db.session.remove()


@pytest.mark.slow  # the whole corpus and query mix, twice
def test_query_mix_same_on_both_paths(mix_app):
    with mix_app.app_context():
        store = mix_app.extensions[EXTENSION]
        assert len(store.searcher().reader().leaf_readers()) > 1  # several segments
        assert store.searcher().reader().has_deletions()
        hits = 0
        extra = [("barn", {}), ("unga barn", {}), ('"barnets bästa"', {}), ("rättigheter", {}),
                 ("barnkonventionen artikel", {}), ("barnrattsombud", {}), ("okändaord barn", {})]
        for q, filters in QUERY_MIX + extra:
            for extra_params in ({}, {"page": 2, "per_page": 10}, {"sort": "date"}):
                params = _params(q, filters, **extra_params)
                fast, public = _both(mix_app, lambda params=params: _outcome(params))
                _assert_same(fast, public, (q, filters, extra_params))
                hits += len(fast[1])
        assert hits > 500
        for case_id in (3, 50, 170, 220):
            case = db.session.get(Case, case_id)
            fast, public = _both(mix_app, lambda case=case: [c.id for c in search.related_cases(case)])
            assert fast == public and fast
        fast, public = _both(mix_app, lambda: search.typeahead("barnr"))
        assert fast == public
        db.session.remove()


def test_fast_path_failure_falls_back_once(mix_app, monkeypatch, caplog):
    """Whoosh's internals changed (here: an attribute gone): searches go on through the
    public API with the same results, and the switch is logged once."""
    with mix_app.app_context():
        store = mix_app.extensions[EXTENSION]
        saved = store.fast
        params = _params("trygghet skola", {})
        store.segments.clear()
        store.fast = fastpath.Switch(True)
        expected = _outcome(params)
        store.segments.clear()
        store.cache.clear()

        def gone(matcher):
            return matcher._no_such_attribute

        monkeypatch.setattr(fastpath, "_block_layout", gone)
        try:
            with caplog.at_level(logging.WARNING, logger="kb.search.fastpath"):
                assert _outcome(params) == expected
                assert _outcome(_params("delaktighet", {})) == _outcome(_params("delaktighet", {}))
            assert not store.fast.on and "AttributeError" in store.fast.reason
            warnings = [r for r in caplog.records if "public API" in r.getMessage()]
            assert len(warnings) == 1
        finally:
            store.fast = saved
            store.segments.clear()
            store.cache.clear()
        db.session.remove()


def test_other_whoosh_version_uses_public_api(monkeypatch, caplog):
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 6))
    with caplog.at_level(logging.WARNING, logger="kb.search.fastpath"):
        switch = fastpath.Switch(True)
    assert not switch.on and "2.7.6" in switch.reason
    assert "public API" in caplog.text
    monkeypatch.undo()
    assert fastpath.incompatibility() is None  # the pinned version passes


def test_fast_path_can_be_switched_off(tmp_path):
    config = {"DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}", "INDEX_DIR": str(tmp_path / "ix"),
              "SEARCH_CATCH_UP_ON_START": False}
    assert not create_app({**config, "SEARCH_FAST_PATH": 0}).extensions[EXTENSION].fast.on
    assert create_app(config).extensions[EXTENSION].fast.on


@pytest.mark.parametrize("error", [KeyError, ValueError])
def test_a_bug_is_not_index_damage(corpus_app, monkeypatch, error):
    """A KeyError or ValueError in our own code surfaces; the index is not rebuilt."""
    with corpus_app.app_context():
        store = corpus_app.extensions[EXTENSION]
        live = store.live_generation()

        def broken(*args, **kwargs):
            raise error("a bug")

        monkeypatch.setattr(engine, "_facet_table", broken)
        with pytest.raises(error):
            search.search(SearchParams(q="barn"))
        assert store.live_generation() == live
        db.session.remove()
