"""Where the index lives: generations in one folder and a pointer to the live one.

``INDEX_DIR/CURRENT`` names the live generation (``INDEX_DIR/g…``). A rebuild writes a new
generation beside it and swaps the pointer with an atomic rename, so searches go on
against the old one until the new one is complete. Each process keeps one searcher per
generation and refreshes it when another process commits.
"""
from __future__ import annotations

import fcntl
import json
import logging
import os
import pickle
import shutil
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.searching import Searcher

from kb.search import fastpath
from kb.search.fastpath import segment_key
from kb.search.schema import META_ID, SCHEMA_VERSION, build_schema

log = logging.getLogger(__name__)
POINTER = "CURRENT"
KEY_TERMS_KEPT = 20_000  # case versions (a few hundred bytes each)
VERSION_FILE = "SCHEMA_VERSION"
# Errors that mean the files on disk are missing or damaged. Not KeyError or ValueError:
# those are bugs in our code, and must surface rather than rebuild the index.
DAMAGE = (OSError, EOFError, struct.error, pickle.UnpicklingError, zlib.error,
          whoosh_index.IndexError)


class IndexMissing(Exception):
    """There is no usable live generation: it must be (re)built."""


@dataclass
class Meta:
    """What an index has applied from the change log, committed with its documents."""

    last: int = 0
    gaps: dict[int, float] = field(default_factory=dict)  # change id → first seen missing

    @classmethod
    def from_json(cls, raw: str | None) -> Meta:
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(int(data.get("last", 0)), {int(k): v for k, v in data.get("gaps", [])})

    def to_json(self) -> str:
        return json.dumps({"last": self.last, "gaps": sorted(self.gaps.items())})


class IndexStore:
    """One index folder. Threads of a process share it one at a time (:meth:`exclusive`)."""

    def __init__(self, root: str | os.PathLike[str], fast_path: bool = True) -> None:
        self.root = Path(root)
        self.fast = fastpath.Switch(fast_path)  # reading Whoosh's files directly (kb.search.fastpath)
        self._lock = threading.RLock()
        self._generation: str | None = None
        self._ix: whoosh_index.Index | None = None
        self._searcher: Searcher | None = None
        self._meta: tuple[Searcher, Meta] | None = None
        self.cache: dict[Any, Any] = {}  # derived from the current searcher (facets, postings)
        # What was read from each segment (segment id → kb.search.scoring.Segment): segments
        # never change, so this outlives commits; dropped when a segment leaves the index.
        self.segments: dict[str, Any] = {}
        # Each case version's key terms for "related cases" (kb.search.engine.related): its
        # text never changes, and the index-wide term weights behind them move little from
        # one commit to the next, so they outlive commits (not a rebuild); bounded.
        self._key_terms: dict[tuple[int, int], list[str]] = {}

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Use the index (search, apply changes, rebuild) with no other thread of this process
        doing so meanwhile.

        Whoosh's readers are not thread-safe: a segment reader's postings file is one object
        with one file position, and ``W3LeafMatcher._goto`` seeks it and then unpickles from
        it, so two threads searching through the shared searcher read at each other's offsets
        (``UnpicklingError``, wrong postings; whoosh-community/whoosh#132 asks for thread
        semantics and never got them, mchaput/whoosh#46 is the symptom). The caches derived
        from the searcher (:attr:`cache`, :attr:`segments`) are shared the same way. With
        threaded gunicorn workers this also went with heap corruption (SIGSEGV), see
        gunicorn.conf.py and scripts/thread_repro.py. One search takes milliseconds; the
        database and the page rendering of other requests still run in parallel.
        """
        with self._lock:
            yield

    # -- generations ---------------------------------------------------------------
    def live_generation(self) -> str | None:
        try:
            name = (self.root / POINTER).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        return name if name and (self.root / name).is_dir() else None

    def index(self) -> whoosh_index.Index:
        """The live generation's index; raises :class:`IndexMissing` when there is none."""
        name = self.live_generation()
        if name is None:
            raise IndexMissing(f"no live index in {self.root}")
        with self._lock:
            if name != self._generation or self._ix is None:
                if not self._current_schema(name):
                    raise IndexMissing(f"index {name} was built for another schema version")
                try:
                    ix = whoosh_index.open_dir(str(self.root / name))
                except DAMAGE as exc:
                    raise IndexMissing(f"index {name} cannot be opened: {exc}") from exc
                self._ix, self._generation, self._searcher = ix, name, None
                self.cache.clear()
                self.segments.clear()
                self._key_terms.clear()
            return self._ix

    def _current_schema(self, name: str) -> bool:
        try:
            return (self.root / name / VERSION_FILE).read_text(encoding="utf-8").strip() == SCHEMA_VERSION
        except OSError:
            return False

    def searcher(self) -> Searcher:
        """A searcher on the newest commit of the live generation (shared, do not close)."""
        ix = self.index()
        with self._lock:
            try:
                # Not Searcher.refresh(): whoosh-reloaded 2.7.5 then keeps the old segments
                # beside the new ones (reading.py _reader(reuse=…)), duplicating documents.
                if self._searcher is None or not self._searcher.up_to_date():
                    self._searcher = self._open_searcher(ix, self._searcher)
                    self.cache.clear()  # derived from the previous commit
                    self._keep_segments(self._searcher)
            except DAMAGE as exc:
                self._searcher = None
                raise IndexMissing(f"index {self._generation} cannot be read: {exc}") from exc
            return self._searcher

    def _open_searcher(self, ix: whoosh_index.Index, previous: Searcher | None) -> Searcher:
        """``ix.searcher()``, reusing what ``previous`` opened of the segments both have."""
        if self.fast.on and previous is not None:
            try:
                found = fastpath.open_searcher(ix, previous, DAMAGE)
            except fastpath.FastPathFailed as exc:
                self.fast.disable(str(exc))
            else:
                if found is not None:
                    return found
        return ix.searcher()

    def _keep_segments(self, searcher: Searcher) -> None:
        """Forget the segments that a merge removed (searchers still using them hold theirs)."""
        current = {segment_key(reader) for reader, _ in searcher.reader().leaf_readers()}
        for gone in set(self.segments) - current:
            self.segments.pop(gone, None)

    def key_terms(self, case_id: int, version: int, compute: Callable[[], list[str]]) -> list[str]:
        """The key terms of a case version: kept, or ``compute()``-d and kept."""
        key = (case_id, version)
        with self._lock:
            found = self._key_terms.get(key)
        if found is not None:
            return found
        terms = compute()
        with self._lock:
            self._key_terms[key] = terms
            while len(self._key_terms) > KEY_TERMS_KEPT:  # the oldest first
                self._key_terms.pop(next(iter(self._key_terms)))
        return terms

    def meta(self, searcher: Searcher | None = None) -> Meta:
        """The change-log position of the searcher's commit."""
        searcher = searcher or self.searcher()
        with self._lock:
            if self._meta and self._meta[0] is searcher:
                return self._meta[1]
            stored = searcher.document(id=META_ID)
            meta = Meta.from_json(stored.get("meta") if stored else None)
            self._meta = (searcher, meta)
            return meta

    def create_generation(self) -> tuple[str, whoosh_index.Index]:
        """A new, empty generation folder (not live until :meth:`swap`)."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"g{time.time_ns():d}-{os.getpid()}"
        path = self.root / name
        path.mkdir()
        (path / VERSION_FILE).write_text(SCHEMA_VERSION, encoding="utf-8")
        return name, whoosh_index.create_in(str(path), build_schema())

    def swap(self, name: str) -> None:
        """Make ``name`` the live generation (atomic rename of the pointer)."""
        tmp = self.root / f".{POINTER}.{os.getpid()}.tmp"
        tmp.write_text(name, encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / POINTER)
        log.info("search index generation %s is live", name)

    def remove_old_generations(self, keep: int = 1) -> None:
        """Delete generations older than the live one, keeping ``keep`` of them for
        searches that may still read them."""
        live = self.live_generation()
        others = sorted((p for p in self.root.glob("g*") if p.is_dir() and p.name != live),
                        key=lambda p: p.name, reverse=True)
        for path in others[keep:]:
            shutil.rmtree(path, ignore_errors=True)

    @contextmanager
    def rebuild_lock(self) -> Iterator[None]:
        """One rebuild at a time per folder, across processes (released if we die)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".rebuild.lock", "a+") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    def forget(self) -> None:
        """Drop the open index and searcher (after damage, before a rebuild)."""
        with self._lock:
            self._ix = self._searcher = None
            self._generation = None
            self._meta = None
            self.cache.clear()
            self.segments.clear()
            self._key_terms.clear()
