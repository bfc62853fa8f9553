"""Applied rows of the change log (``index_changes``) are deleted, never before the index
commit that contains them, and never rows another node may still need."""
from __future__ import annotations

import pytest

from kb import search
from kb.extensions import db
from kb.models import IndexChange
from kb.search import indexer


def _rows() -> list[int]:
    db.session.rollback()  # a fresh look at what other sessions committed
    return list(db.session.scalars(db.select(IndexChange.id).order_by(IndexChange.id)))


@pytest.fixture
def prune_at_once(app, monkeypatch):
    app.config["INDEX_CHANGES_KEEP_DAYS"] = 0
    monkeypatch.setattr(indexer, "GAP_WINDOW", 0)  # a handful of rows stands for thousands


def _make(make_case, *titles: str) -> None:
    for title in titles:
        make_case(title=title)


def test_applied_rows_are_deleted_and_pending_ones_counted(app, make_case, prune_at_once):
    _make(make_case, "Fritidsbanken i Arvika", "Läxhjälp i Borås", "Elevråd i Kiruna")
    assert len(_rows()) == 3
    assert search.index_status()["pending_changes"] == 3
    assert search.sync_index() == 3
    assert _rows() == [3]  # the newest row always stays (SQLite would reuse its id)
    status = search.index_status()
    assert (status["pending_changes"], status["documents_in_index"], status["in_sync"]) == (0, 3, True)
    assert status["last_applied_change"] == 3

    _make(make_case, "Barnbokslut i Umeå", "Ungdomsråd i Luleå")
    assert _rows() == [3, 4, 5]
    status = search.index_status()
    assert (status["pending_changes"], status["in_sync"]) == (2, False)
    search.sync_index()
    assert _rows() == [5]
    status = search.index_status()
    assert (status["pending_changes"], status["documents_in_index"], status["in_sync"]) == (0, 5, True)
    assert [h.case.slug for h in search.search(search.SearchParams(q="ungdomsråd")).hits] == [
        "ungdomsrad-i-lulea"]


def test_rows_stay_when_the_index_commit_fails(app, make_case, prune_at_once, monkeypatch):
    _make(make_case, "Fritidsbanken i Arvika", "Läxhjälp i Borås")

    def crash(writer, meta):
        raise OSError("disk full")

    monkeypatch.setattr(indexer, "_write_meta", crash)
    with pytest.raises(OSError):
        indexer.catch_up(search._store(), timeout=1)
    assert _rows() == [1, 2]
    monkeypatch.undo()
    app.config["INDEX_CHANGES_KEEP_DAYS"] = 0
    monkeypatch.setattr(indexer, "GAP_WINDOW", 0)
    assert search.sync_index() == 2  # applied, then pruned
    assert _rows() == [2]
    assert search.index_status()["in_sync"]


def test_recent_rows_are_kept_for_other_nodes(app, make_case):
    """Each node has its own index fed by the same log: rows younger than the retention
    (KB_INDEX_CHANGES_KEEP_DAYS, a week by default) stay even when this index has them."""
    _make(make_case, "Fritidsbanken i Arvika", "Läxhjälp i Borås")
    search.sync_index()
    assert _rows() == [1, 2]
    status = search.index_status()
    assert (status["pending_changes"], status["in_sync"]) == (0, True)


def test_the_newest_rows_and_those_after_a_gap_stay(app, make_case, prune_at_once, monkeypatch):
    _make(make_case, *(f"Exempel {n}" for n in range(6)))
    monkeypatch.setattr(indexer, "GAP_WINDOW", 2)
    search.sync_index()
    assert _rows() == [5, 6]  # the newest GAP_WINDOW rows
    with indexer._session() as session:
        meta = indexer.Meta(last=6, gaps={6: 0.0})  # change 6 still awaited
        assert indexer.prune(session, meta, 0) == 0
        assert indexer.prune(session, indexer.Meta(last=6), 0) == 0  # 5, 6 are the newest
    monkeypatch.setattr(indexer, "GAP_WINDOW", 0)
    with indexer._session() as session:
        assert indexer.prune(session, indexer.Meta(last=6, gaps={6: 0.0}), 0) == 1
    assert _rows() == [6]
    make_case(title="Exempel 7")
    assert _rows() == [6, 7]  # ids keep growing
    search.sync_index()
    assert _rows() == [7]
    assert search.index_status()["in_sync"]
