"""The change log (``index_changes``) → Whoosh: catch-up, full rebuild and status.

Whichever process gets the Whoosh writer lock applies every change after the index's
last applied one, and commits the new position in the same Whoosh commit as the
documents (the meta document). A process that does not get the lock leaves the work to
the one that has it. Change ids committed out of order (PostgreSQL) are remembered as
gaps and picked up when they appear.
"""
from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import time
from collections.abc import Iterable, Iterator
from multiprocessing.connection import Connection
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy.orm import Session, selectinload
from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.writing import SegmentWriter

from kb.dates import utcnow
from kb.extensions import db
from kb.models import Case, IndexChange, Status
from kb.search import fastpath
from kb.search.schema import META_ID, case_document
from kb.search.store import IndexMissing, IndexStore, Meta
from kb.workers import worker_count

log = logging.getLogger(__name__)
BATCH = 500
GAP_WINDOW = 1000  # a rebuild looks this far back for changes not yet committed
GAP_SECONDS = 600.0  # a change id missing this long was rolled back, not delayed


# From this many cases on, and only in the ``kb`` command (kb.workers), a forked process
# builds a segment of the first ones while this one adds the rest: indexing is analysis
# and Whoosh's posting work, all in one process otherwise. The helper gets its documents
# with the fork, not postings (which cost as much to ship as to make) nor a pipe (this
# process would wait on it); each process writes its own segment.
PARALLEL_MIN = 2000
# The helper's share of the cases: this process also loads them all from the database.
HELPER_SHARE = 0.5


def _add_documents(writer: SegmentWriter, ix: whoosh_index.Index, session: Session,
                   case_ids: list[int]) -> int:
    """Add the documents of the published cases among ``case_ids``, in order; returns how
    many. Document numbers follow ``case_ids`` either way (the helper's segment comes first)."""
    split = int(len(case_ids) * HELPER_SHARE)
    if not fastpath.can_join(writer) or not worker_count(len(case_ids), PARALLEL_MIN):
        split = 0
    count = 0
    if split:
        theirs = [doc for batch in _batches(session, case_ids[:split]) for doc in batch]
        fastpath.join(writer, _SegmentHelper(ix, theirs).segment)
        count += len(theirs)
        del theirs
    for batch in _batches(session, case_ids[split:]):
        for doc in batch:
            writer.add_document(**doc)
        count += len(batch)
    return count


class _SegmentHelper:
    """A forked process that builds a segment of ``docs``, which joins this process's
    commit (:func:`kb.search.fastpath.join`)."""

    def __init__(self, ix: whoosh_index.Index, docs: list[dict[str, Any]]) -> None:
        context = multiprocessing.get_context("fork")  # documents and code as they are here
        self._pipe, theirs = context.Pipe(duplex=False)
        self._process = context.Process(target=_build_segment, args=(ix, docs, theirs), daemon=True)
        self._process.start()
        theirs.close()

    def segment(self) -> Any:
        """The segment, once built (called by the writer's commit)."""
        try:
            segment, problem = self._pipe.recv()
        except EOFError:
            segment, problem = None, f"exit code {self._process.exitcode}"
        finally:
            self._pipe.close()
            self._process.join(timeout=30)
        if problem:
            raise RuntimeError(f"search index: the helper process failed: {problem}")
        return segment


def _build_segment(ix: whoosh_index.Index, docs: list[dict[str, Any]], pipe: Connection) -> None:
    """In the helper process: the segment of ``docs``, or why not, sent back."""
    try:
        pipe.send((fastpath.build_segment(ix, docs, limitmb=POOL_LIMIT_MB), None))
    except Exception as exc:  # reported to the parent, whose commit raises it
        pipe.send((None, f"{type(exc).__name__}: {exc}"))


# Postings are pooled in memory up to this size before Whoosh spills sorted runs to disk
# (pickled, then merged: 40 % of the time of indexing 10,000 cases at its 128 MB default).
# A cap, not an allocation: applying a few changes uses little.
POOL_LIMIT_MB = 512


def _writer(store: IndexStore, ix: whoosh_index.Index, **kwargs: Any) -> SegmentWriter:
    """A writer on ``ix`` (with cheaper field-length look-ups at commit on the fast path)."""
    return fastpath.writer(ix, store.fast, limitmb=POOL_LIMIT_MB, **kwargs)


def _session() -> Session:
    """A session of its own: the index only ever sees committed data."""
    return Session(db.engine)


def _max_change(session: Session) -> int:
    return session.scalar(select(func.max(IndexChange.id))) or 0


def _has_pending(session: Session, meta: Meta) -> bool:
    if _max_change(session) > meta.last:
        return True
    if not meta.gaps:
        return False
    found = session.scalar(select(func.count()).where(IndexChange.id.in_(list(meta.gaps))))
    return bool(found) or any(time.time() - seen > GAP_SECONDS for seen in meta.gaps.values())


def _load_cases(session: Session, ids: Iterable[int]) -> dict[int, Case]:
    stmt = (select(Case).where(Case.id.in_(list(ids)), Case.status == Status.PUBLISHED)
            .options(selectinload(Case.tags), selectinload(Case.articles),
                     selectinload(Case.municipalities)))
    return {case.id: case for case in session.scalars(stmt)}


def _apply(writer: SegmentWriter, ix: whoosh_index.Index, session: Session, case_ids: list[int]) -> None:
    """Re-index ``case_ids``: drop their documents, add back the published ones.

    Deletions go through one searcher (update_document would open one per case), and all
    of them come first: a document added in this writer is invisible to its deletes.
    """
    with writer.searcher() as searcher:
        reader = searcher.reader()
        for case_id in case_ids:
            key = str(case_id)
            if ("id", key) in reader:
                for docnum in reader.postings("id", key).all_ids():
                    writer.delete_document(docnum)
    _add_documents(writer, ix, session, case_ids)


def _batches(session: Session, case_ids: list[int]) -> Iterator[list[dict[str, Any]]]:
    """The documents of the published cases among ``case_ids``, a batch at a time, in order."""
    for start in range(0, len(case_ids), BATCH):
        chunk = case_ids[start:start + BATCH]
        cases = _load_cases(session, chunk)
        yield [case_document(cases[case_id]) for case_id in chunk if case_id in cases]
        session.expunge_all()


def _advance(meta: Meta, seen: list[int], now: float) -> Meta:
    """The new position after applying the changes ``seen`` (sorted ids)."""
    found = set(seen)
    gaps = {k: v for k, v in meta.gaps.items() if k not in found and now - v <= GAP_SECONDS}
    expected = meta.last + 1
    for change_id in seen:
        if change_id > meta.last:
            gaps.update((missing, now) for missing in range(expected, change_id))
            expected = change_id + 1
    if len(gaps) > GAP_WINDOW:  # a burst of rollbacks; keep the newest
        gaps = dict(sorted(gaps.items())[-GAP_WINDOW:])
    return Meta(max([meta.last, *seen]), gaps)


def _write_meta(writer: SegmentWriter, meta: Meta) -> None:
    writer.update_document(id=META_ID, doctype="meta", meta=meta.to_json())


def apply_changes(writer: SegmentWriter, ix: whoosh_index.Index, session: Session,
                  meta: Meta) -> tuple[int, Meta]:
    """Apply every change after ``meta`` inside ``writer``; the new meta is written too."""
    stmt = select(IndexChange.id, IndexChange.case_id).order_by(IndexChange.id)
    if meta.gaps:
        stmt = stmt.where((IndexChange.id > meta.last) | IndexChange.id.in_(list(meta.gaps)))
    else:
        stmt = stmt.where(IndexChange.id > meta.last)
    rows = session.execute(stmt).all()
    _apply(writer, ix, session, sorted({case_id for _, case_id in rows}))
    meta = _advance(meta, [change_id for change_id, _ in rows], time.time())
    _write_meta(writer, meta)
    return len(rows), meta


def catch_up(store: IndexStore, timeout: float, rounds: int = 1) -> int:
    """Apply pending changes if the writer lock is free within ``timeout`` seconds.

    Returns how many change-log rows were applied (0 when up to date or when another
    process holds the lock and is doing the same work). With ``rounds`` > 1, a process
    that held the lock looks again after letting go (up to ``rounds`` times), so a change
    committed by a process that found the lock taken meanwhile is applied too.
    """
    total = 0
    for _ in range(rounds):
        held, applied = _catch_up_once(store, timeout)
        total += applied
        if not held:
            break
    return total


def _catch_up_once(store: IndexStore, timeout: float) -> tuple[bool, int]:
    """(whether the writer lock was held, change-log rows applied)."""
    with _session() as session:
        if not _has_pending(session, store.meta()):
            return False, 0
        ix = store.index()
        try:
            writer = _writer(store, ix, timeout=timeout)
        except LockError:
            log.debug("search index busy; another process is applying changes")
            return False, 0
        try:
            with writer.searcher() as searcher:  # the newest commit, now that we hold the lock
                before = Meta.from_json((searcher.document(id=META_ID) or {}).get("meta"))
            applied, meta = apply_changes(writer, ix, session, before)
        except BaseException:
            writer.cancel()  # releases the lock
            raise
        if applied or meta != before:
            writer.commit()
        else:  # another process applied them first: no empty commit (every worker would
            writer.cancel()  # reopen its searcher and recompute its caches for nothing)
        if applied:
            log.info("search index: applied %d change(s)", applied)
        return True, applied


def prune_applied(store: IndexStore) -> int:
    """Delete the change-log rows this node's index has committed, once old enough (writer
    paths only: after an editor's commit, at start-up and in ``kb index follow``)."""
    with _session() as session:
        return prune(session, store.meta(), current_app.config["INDEX_CHANGES_KEEP_DAYS"])


def prune(session: Session, meta: Meta, keep_days: float) -> int:
    """Delete change-log rows that the index at ``meta`` has committed, once older than
    ``keep_days``; returns how many.

    Called only after the index commit that contains them, so a crash before it leaves
    them to be applied again. Never past a change still awaited (a gap). The newest
    ``GAP_WINDOW`` rows stay, since a rebuild takes ids missing among them for gaps; and
    the newest row always does: SQLite (no AUTOINCREMENT) would hand out its id again.
    """
    upto = min(meta.last, min(meta.gaps, default=meta.last + 1) - 1,
               _max_change(session) - max(GAP_WINDOW, 1))
    if upto < 1:
        return 0
    cutoff = utcnow() - dt.timedelta(days=keep_days)
    deleted = cast(CursorResult[Any], session.execute(delete(IndexChange).where(
        IndexChange.id <= upto, IndexChange.created_at <= cutoff))).rowcount
    session.commit()
    if deleted:
        log.info("search index: pruned %d applied change-log row(s)", deleted)
    return deleted


def rebuild(store: IndexStore, unless_replaced: str | None = None) -> int:
    """Build a new generation from the database, swap it in, then catch up.

    With ``unless_replaced`` (the generation found unusable, or "" for none), nothing is
    done if another process has swapped in a new generation meanwhile. Returns the number
    of published cases indexed (or -1 when the rebuild was left to the other process).
    """
    with store.rebuild_lock(), _session() as session:
        if unless_replaced is not None and store.live_generation() not in (None, unless_replaced):
            return -1
        upto = _max_change(session)
        present = set(session.scalars(select(IndexChange.id).where(IndexChange.id > upto - GAP_WINDOW)))
        now = time.time()
        meta = Meta(upto, {i: now for i in range(max(1, upto - GAP_WINDOW), upto) if i not in present})
        name, ix = store.create_generation()
        with _writer(store, ix) as writer:
            ids = session.scalars(select(Case.id).where(Case.status == Status.PUBLISHED)
                                  .order_by(Case.id)).all()
            count = _add_documents(writer, ix, session, list(ids))
            _write_meta(writer, meta)
        store.swap(name)
        store.remove_old_generations()
    catch_up(store, timeout=30.0)
    return count


def status(store: IndexStore) -> dict[str, Any]:
    """Documents in the database vs the index, and change-log rows not yet applied."""
    with _session() as session:
        versions = dict(session.execute(
            select(Case.id, Case.version).where(Case.status == Status.PUBLISHED)).all())
        try:
            searcher = store.searcher()
        except IndexMissing as exc:
            return {"index": str(store.root), "problem": str(exc),
                    "documents_in_database": len(versions), "documents_in_index": 0,
                    "pending_changes": _max_change(session), "in_sync": False}
        meta = store.meta(searcher)
        docs = [doc for doc in searcher.all_stored_fields() if doc.get("id") != META_ID]
        indexed = {int(doc["id"]): doc.get("version") for doc in docs}
        pending = session.scalar(select(func.count()).where(
            (IndexChange.id > meta.last) | IndexChange.id.in_(list(meta.gaps) or [-1])))
        mismatched = sum(1 for k in versions.keys() | indexed.keys() if versions.get(k) != indexed.get(k))
        mismatched += len(docs) - len(indexed)  # the same case indexed twice
        return {
            "index": str(store.root / (store.live_generation() or "")),
            "documents_in_database": len(versions),
            "documents_in_index": len(docs),
            "pending_changes": pending,
            "mismatched_documents": mismatched,
            "last_applied_change": meta.last,
            "in_sync": pending == 0 and mismatched == 0,
        }
