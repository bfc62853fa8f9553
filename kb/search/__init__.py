"""Search: a Whoosh index that understands Swedish, fed by the ``index_changes`` outbox.

The database is the source of truth. Every change to a case writes an ``IndexChange`` row
in the same transaction. Only writers apply those rows to the index (and prune the applied
ones): :func:`sync_index` after an editor's commit, start-up, and ``kb index follow``, the
follower a production node runs beside gunicorn (:func:`follow`). A search only reads: it
searches the newest committed index, and the cases it shows are loaded from the database
as published now, so a change made on another node is searchable once the follower has
applied it (about a second) and a withdrawn case is never shown. A missing or damaged index
is rebuilt from the database.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app
from sqlalchemy.exc import SQLAlchemyError

from kb.extensions import db
from kb.search import analysis, engine, indexer, spelling
from kb.search.engine import Hit, SearchResult
from kb.search.english import glossary
from kb.search.params import SearchParams, parse_params
from kb.search.store import POINTER, IndexMissing, IndexStore
from kb.search.synonyms import load_related

log = logging.getLogger(__name__)
T = TypeVar("T")
EXTENSION = "kb_search"
SYNC_ROUNDS = 5  # a bound under a steady stream of saves; the follower does the rest

__all__ = [
    "Hit",
    "SearchParams",
    "SearchResult",
    "SearchUnavailable",
    "follow",
    "index_status",
    "init_app",
    "parse_params",
    "rebuild_index",
    "related_cases",
    "search",
    "sync_index",
    "typeahead",
]


def init_app(app: Flask) -> None:
    """Attach the index store and catch the index up with the database."""
    app.extensions[EXTENSION] = IndexStore(app.config["INDEX_DIR"], bool(app.config["SEARCH_FAST_PATH"]))
    if app.config["SEARCH_CATCH_UP_ON_START"]:
        with app.app_context():
            try:  # without waiting for the lock: whoever holds it is catching up already
                _with_index(lambda store: _apply(store, 0))
            except SQLAlchemyError as exc:  # e.g. before `kb db upgrade` created the tables
                log.debug("search index not caught up at start-up: %s", exc)


def warm_up() -> None:
    """Read what a process's first search would (the decompounding word list, the speller's
    and the query's tables, the searcher, the facet tables): ~1 s at 100,000 cases that no
    reader should wait for."""
    analysis.lexicon()
    spelling.warm_up()
    load_related()
    glossary()
    _with_index(lambda store: engine.run_search(store, SearchParams(q="barn")))


def _store() -> IndexStore:
    return current_app.extensions[EXTENSION]


class SearchUnavailable(Exception):
    """The index could not be used or rebuilt (disk full, no permission …)."""

    message = "Sökindexet byggs om eller kan inte läsas just nu. Försök igen om en liten stund."


def _with_index(action: Callable[[IndexStore], T]) -> T:
    """Run ``action`` (one thread at a time, see IndexStore.exclusive); if the index is
    missing or damaged, rebuild it once and retry."""
    store = _store()
    with store.exclusive():
        try:
            return action(store)
        except IndexMissing as exc:
            broken = store.live_generation() or ""
            if broken or (store.root / POINTER).exists():
                log.warning("search index unusable (%s); rebuilding from the database", exc)
            else:  # a new instance: no index yet is not damage
                log.info("no search index yet in %s; building it from the database", store.root)
            store.forget()
            try:
                indexer.rebuild(store, unless_replaced=broken)  # once, even if several workers notice
                return action(store)
            except (IndexMissing, OSError) as again:
                log.error("search index could not be rebuilt: %s", again)
                raise SearchUnavailable(str(again)) from again


def _apply(store: IndexStore, timeout: float) -> int:
    applied = indexer.catch_up(store, timeout, rounds=SYNC_ROUNDS)
    if applied:
        indexer.prune_applied(store)
    return applied


def sync_index(wait: bool = True) -> int:
    """Apply committed changes to the index (call after every commit that changed cases).

    Waits up to ``INDEX_LOCK_TIMEOUT`` seconds for the writer lock (``wait=False``: not at
    all); if another process holds it, that process applies the changes, looking again
    before it lets go of the lock (kb.search.indexer.catch_up), and the follower applies
    anything left. Returns how many change-log rows were applied.
    """
    timeout = current_app.config["INDEX_LOCK_TIMEOUT"] if wait else 0.0
    return _with_index(lambda store: _apply(store, timeout))


def follow(interval: float, stopped: Callable[[], bool]) -> None:
    """Apply the change log to this node's index every ``interval`` seconds until
    ``stopped()``: changes committed on other nodes (or by a writer that could not get the
    index lock) become searchable here. A database outage is waited out."""
    while not stopped():
        try:
            sync_index()
        except SQLAlchemyError as exc:
            log.warning("index follower: database unavailable (%s); retrying", exc.__class__.__name__)
        except SearchUnavailable as exc:
            log.error("index follower: index cannot be rebuilt (%s); retrying", exc)
        finally:
            db.session.remove()
        deadline = time.monotonic() + interval
        while not stopped() and time.monotonic() < deadline:
            time.sleep(min(0.1, interval))


def rebuild_index() -> int:
    """Rebuild the whole index into a new folder and swap it in; returns the case count."""
    store = _store()
    with store.exclusive():
        count = indexer.rebuild(store)
        store.forget()
    return count


def index_status() -> dict[str, Any]:
    """Documents in DB vs index, pending changes and ``in_sync``."""
    store = _store()
    with store.exclusive():
        return indexer.status(store)


def search(params: SearchParams) -> SearchResult:
    """Search published cases in the newest committed index (reads only)."""
    return _with_index(lambda store: engine.run_search(store, params))


def related_cases(case: Any, limit: int = 4) -> list:
    """Published cases most like ``case`` (more-like-this on the index).

    A side dish of the case page: if the index cannot answer, the page goes without. A
    database error is not the index's: it reaches the error handlers (503 when the database
    is away), since a swallowed one leaves the session unusable for the rest of the page.
    """
    try:
        return _with_index(lambda store: engine.related(store, case, limit))
    except SQLAlchemyError:
        raise
    except Exception:
        log.exception("related cases unavailable for case %s", getattr(case, "id", "?"))
        return []


def typeahead(text: str, limit: int = 8) -> list[dict[str, str]]:
    """Case titles and tags matching what was typed so far."""
    return _with_index(lambda store: engine.typeahead(store, text, limit))
