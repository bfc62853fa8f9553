"""Synonyms and abbreviations of the field (``seed_data/synonyms.yaml``), used at query time."""
from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kb.search.analysis import ROOT, stem, tokenize

log = logging.getLogger(__name__)
DEFAULT_PATH = ROOT / "seed_data" / "synonyms.yaml"
MAX_WORDS = 6

Expression = tuple[str, ...]  # stems of the words of an expression


def expression_stems(text: str) -> Expression:
    return tuple(stem(t.text) for t in tokenize(text))


@lru_cache(maxsize=4)
def load_synonyms(path: str = str(DEFAULT_PATH)) -> dict[Expression, tuple[Expression, ...]]:
    """Each expression (as stems) → the other expressions of its group."""
    data = _read(path)
    table: dict[Expression, list[Expression]] = {}
    for group in data.get("grupper") or []:
        phrases = list(dict.fromkeys(p for p in (expression_stems(str(e)) for e in group) if p))
        for phrase in phrases:
            if len(phrase) > MAX_WORDS:
                log.warning("synonym %r is longer than %d words; ignored", phrase, MAX_WORDS)
                continue
            table.setdefault(phrase, []).extend(p for p in phrases if p != phrase)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


THESAURUS_PATH = ROOT / "seed_data" / "search" / "thesaurus-sv.txt"


@lru_cache(maxsize=4)
def load_related(path: str = str(DEFAULT_PATH), thesaurus: str = str(THESAURUS_PATH)) -> Related:
    """Everyday and older words → what cases may call them (one way, weaker than synonyms):
    the editors' ``vardagsord``, and the derived thesaurus (mutual pairs from Folkets
    synonymlexikon) minus the editors' ``inte_synonymer``."""
    data = _read(path)
    removed = {frozenset(map(expression_stems, map(str, pair))) for pair in data.get("inte_synonymer") or []}
    curated = _one_way((str(word), others if isinstance(others, list) else [others])
                       for word, others in (data.get("vardagsord") or {}).items())
    derived: dict[Expression, tuple[Expression, ...]] = {}
    file = Path(thesaurus)
    if file.exists():
        rows = (line.split("\t", 1) for line in file.read_text(encoding="utf-8").splitlines()
                if line and not line.startswith("#") and "\t" in line)
        derived = _one_way((word, others.split()) for word, others in rows)
    derived = {key: kept for key, values in derived.items()
               if (kept := tuple(v for v in values if frozenset((key, v)) not in removed))}
    return Related(curated, derived)


@dataclass(frozen=True)
class Related:
    curated: dict[Expression, tuple[Expression, ...]]  # editors' pairs: always used
    derived: dict[Expression, tuple[Expression, ...]]  # thesaurus: for words no case uses


def _one_way(rows: Iterable[tuple[str, list]]) -> dict[Expression, tuple[Expression, ...]]:
    table: dict[Expression, list[Expression]] = {}
    for word, others in rows:
        key = expression_stems(word)
        if key and len(key) <= MAX_WORDS:
            table.setdefault(key, []).extend(
                e for e in map(expression_stems, map(str, others)) if e and e != key and len(e) <= MAX_WORDS)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}


def _read(path: str) -> dict:
    file = Path(path)
    return (yaml.safe_load(file.read_text(encoding="utf-8")) or {}) if file.exists() else {}
