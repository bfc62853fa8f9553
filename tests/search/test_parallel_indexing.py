"""Large batches are analysed in worker processes: the index must be the same as one
written document by document."""
from __future__ import annotations

from flask import current_app

from kb import search, workers
from kb.extensions import db
from kb.search import indexer
from kb.services.cases import save_case
from tests.search.relevance import load_cases


def _contents() -> tuple:
    searcher = search._store().searcher()
    reader = searcher.reader()
    postings = []
    for fieldname, text in reader.all_terms():
        matcher = reader.postings(fieldname, text)
        found = []
        while matcher.is_active():
            found.append((matcher.id(), matcher.weight(), matcher.value()))
            matcher.next()
        postings.append((fieldname, text, found))
    lengths = [[reader.doc_field_length(n, f) for f in reader.schema.scorable_names()]
               for n in range(reader.doc_count_all())]
    stored = [d for d in searcher.all_stored_fields() if d.get("id") != indexer.META_ID]
    return postings, lengths, stored


def test_parallel_analysis_writes_the_same_index(app, monkeypatch):
    for data in load_cases():
        save_case(data)
    db.session.commit()
    used: list[int] = []
    write_chunk = indexer._write_chunk
    monkeypatch.setattr(indexer, "_write_chunk", lambda *a: used.append(1) or write_chunk(*a))
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 10**9)
    search.rebuild_index()
    one_by_one = _contents()
    assert not used
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(indexer, "_CHUNK", 4)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # whatever pytest runs
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    monkeypatch.setitem(current_app.config, "BULK_WORKERS", True)
    search.rebuild_index()
    assert used, "the parallel path was not taken"
    assert _contents() == one_by_one
    assert search.index_status()["in_sync"]
    hits = search.search(search.SearchParams(q="barnrättsombud")).hits
    assert hits
