"""Reads never write: no public page, search, feed, API read or health probe inserts,
updates, deletes or commits anything, even with index work waiting in the change log."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from kb import search
from kb.extensions import db
from kb.search.store import IndexStore

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE|UPSERT|MERGE|CREATE|DROP|ALTER)\b", re.I)
PUBLIC = ("public", "sharing", "api", "health")
WITH_ARGUMENTS = ("/exempel/bka-budget", "/exempel/{id}", "/tagg/styrning", "/sok?q=budget",
                  "/sok?q=barnkonsekvensanalys&sort=date", "/api/v1/search?q=budget",
                  "/api/v1/cases/bka-budget", "/exempel/bka-budget/version/1",
                  "/tagg/styrning/flode.atom", "/sok/flode.atom?q=budget")


@pytest.fixture
def writes(app):
    """Every writing statement and every commit on the app's engine, while the test runs."""
    seen: list[str] = []

    def statement(conn, cursor, sql, params, context, executemany):
        if WRITE.match(sql):
            seen.append(sql.split("\n")[0][:120])

    def commit(conn):
        seen.append("COMMIT")

    event.listen(db.engine, "before_cursor_execute", statement)
    event.listen(db.engine, "commit", commit)
    yield seen
    event.remove(db.engine, "before_cursor_execute", statement)
    event.remove(db.engine, "commit", commit)


def _public_paths(app, case_id: int) -> list[str]:
    paths = [rule.rule for rule in app.url_map.iter_rules()
             if "GET" in rule.methods and not rule.arguments and rule.endpoint.split(".")[0] in PUBLIC]
    return sorted(set(paths)) + [p.format(id=case_id) for p in WITH_ARGUMENTS]


def test_public_gets_never_write_even_with_index_work_waiting(app, make_case, writes, monkeypatch):
    from kb.search import indexer

    app.config["INDEX_CHANGES_KEEP_DAYS"] = 0  # applied rows are prunable at once
    monkeypatch.setattr(indexer, "GAP_WINDOW", 0)
    first_id = make_case(slug="bka-budget").id
    search.sync_index()
    make_case(title="Ungdomsråd i budgetarbetet", slug="ungdomsrad")  # waiting in the change log
    store: IndexStore = app.extensions[search.EXTENSION]
    position = store.meta().last
    db.session.remove()
    writes.clear()
    client = app.test_client()
    statuses = {path: client.get(path).status_code for path in _public_paths(app, first_id)}
    assert writes == [], writes
    assert all(code < 500 for code in statuses.values()), statuses
    assert statuses["/sok?q=budget"] == 200 and statuses["/healthz"] == 200
    assert store.meta().last == position  # the index was searched, not caught up
    assert len(statuses) > 25


def test_a_save_applies_and_prunes_in_the_writer_path(app, make_case, writes, monkeypatch):
    from kb.commit import commit_and_index
    from kb.models import IndexChange
    from kb.search import indexer
    from kb.services.cases import case_to_data, save_case

    app.config["INDEX_CHANGES_KEEP_DAYS"] = 0
    monkeypatch.setattr(indexer, "GAP_WINDOW", 0)  # only the newest row is kept
    case = make_case(slug="bka-budget")
    data = case_to_data(case)
    data["summary"] = "En ny sammanfattning om budgeten."
    save_case(data, case=case)
    commit_and_index()
    store: IndexStore = app.extensions[search.EXTENSION]
    assert store.meta().last == db.session.query(db.func.max(IndexChange.id)).scalar()
    assert any(w.startswith("DELETE FROM index_changes") for w in writes)  # pruned after applying
    assert db.session.query(IndexChange).count() == 1


def test_the_follower_applies_what_other_nodes_committed(app, make_case):
    make_case(slug="bka-budget")  # committed without applying, as on another node
    assert search.search(search.SearchParams(q="barnkonsekvensanalys")).total == 0
    answers = iter([False])  # one round, then stop
    search.follow(0.1, lambda: next(answers, True))
    assert search.search(search.SearchParams(q="barnkonsekvensanalys")).total == 1
