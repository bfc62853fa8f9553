"""Large index builds and catch-ups (``kb import``, ``kb reindex``) share the work with a
forked helper process that writes a segment of its own: the index must be the same as one
process makes, document numbers included (they break ties between equal scores)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import current_app
from whoosh import index as whoosh_index

from bench.generate import generate, write_files
from kb import search, workers
from kb.extensions import db
from kb.search import EXTENSION, SearchParams, indexer
from kb.search.schema import TEXT_FIELDS
from kb.services.importer import import_paths

pytestmark = pytest.mark.slow  # helper processes and a few hundred generated cases
QUERIES = ("barn", "skolgård trygghet", '"barnets bästa"', "ungdomsråd", "folktandvården", "elevhälsa")


@pytest.fixture
def helpers(monkeypatch):
    """Helper processes allowed for any build (as in the ``kb`` command); yields how many
    were started."""
    started: list[int] = []
    helper = indexer._SegmentHelper

    def counted(ix, docs):
        started.append(len(docs))
        return helper(ix, docs)

    monkeypatch.setattr(indexer, "_SegmentHelper", counted)
    monkeypatch.setattr(indexer, "PARALLEL_MIN", 1)
    monkeypatch.setattr(workers.threading, "active_count", lambda: 1)  # whatever pytest runs
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    return started


def _index_folder() -> Path:
    return Path(search.index_status()["index"])


def _contents() -> dict:
    """Everything in the live index, by document number: stored fields, deletions, field
    lengths and every posting (weight and encoded positions)."""
    ix = whoosh_index.open_dir(str(_index_folder()))
    with ix.reader() as reader:
        docs = [(n, reader.is_deleted(n), reader.stored_fields(n),
                 {f: reader.doc_field_length(n, f) for f in TEXT_FIELDS})
                for n in range(reader.doc_count_all())]
        segments = len(reader.leaf_readers())
        postings = {}
        for field, text in reader.all_terms():
            matcher = reader.postings(field, text)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            postings[(field, text)] = found
    return {"docs": docs, "postings": postings, "segments": segments}


def _results() -> list:
    found = []
    for q in QUERIES:
        for sort in ("relevance", "date"):
            result = search.search(SearchParams(q=q, sort=sort, per_page=50))
            hits = [(hit.case.slug, round(hit.score, 9)) for hit in result.hits]
            found.append((q, sort, result.total, hits))
    return found


def _both_ways(helpers, monkeypatch, build) -> tuple[tuple, tuple]:
    """``build()`` in one process and with a helper, from copies of the same index folder."""
    root = Path(current_app.config["INDEX_DIR"])
    saved = root.with_name("saved-index")
    shutil.copytree(root, saved)
    build()
    alone = (_contents(), _results())
    assert not helpers
    shutil.rmtree(root)
    shutil.copytree(saved, root)
    current_app.extensions[EXTENSION].forget()  # open the restored folder
    with monkeypatch.context() as bulk:
        bulk.setitem(current_app.config, "BULK_WORKERS", True)
        build()
    assert helpers, "no helper process was used"
    return alone, (_contents(), _results())


def test_a_rebuild_with_a_helper_is_the_same_index(app, tmp_path, helpers, monkeypatch, search_path):
    write_files(generate(120), tmp_path / "cases")
    import_paths([tmp_path / "cases"])
    db.session.commit()
    search.sync_index()
    if search_path == "public":  # Whoosh's public API alone: one process, as before
        with monkeypatch.context() as bulk:
            bulk.setitem(current_app.config, "BULK_WORKERS", True)
            search.rebuild_index()
        assert not helpers
        return
    alone, shared = _both_ways(helpers, monkeypatch, search.rebuild_index)
    assert alone[0]["segments"] == 1 and shared[0]["segments"] == 2
    assert shared[0]["docs"] == alone[0]["docs"]
    assert shared[0]["postings"] == alone[0]["postings"]
    assert shared[1] == alone[1]
    assert any(total > 10 for _, _, total, _ in alone[1])


def test_a_catch_up_with_a_helper_is_the_same_index(app, tmp_path, helpers, monkeypatch, search_path):
    """Many changed cases at once (a re-import): old documents deleted, new ones added."""
    cases = generate(120)
    write_files(cases, tmp_path / "cases")
    import_paths([tmp_path / "cases"])
    db.session.commit()
    search.sync_index()
    for i, case in enumerate(cases):
        if i % 3 == 0:
            case["title"] += " och skolgården"
        if i % 10 == 0:
            case["status"] = "draft" if case["status"] == "published" else "published"
    write_files(cases, tmp_path / "changed")
    import_paths([tmp_path / "changed"])
    db.session.commit()
    if search_path == "public":
        return
    alone, shared = _both_ways(helpers, monkeypatch, search.sync_index)
    assert shared[0]["docs"] == alone[0]["docs"]
    assert shared[0]["postings"] == alone[0]["postings"]
    assert shared[1] == alone[1]
    assert search.index_status()["in_sync"]
