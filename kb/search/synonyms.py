"""Synonyms and abbreviations of the field (``seed_data/synonyms.yaml``), used at query time."""
from __future__ import annotations

import logging
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
    file = Path(path)
    if not file.exists():
        return {}
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    table: dict[Expression, list[Expression]] = {}
    for group in data.get("grupper") or []:
        phrases = list(dict.fromkeys(p for p in (expression_stems(str(e)) for e in group) if p))
        for phrase in phrases:
            if len(phrase) > MAX_WORDS:
                log.warning("synonym %r is longer than %d words; ignored", phrase, MAX_WORDS)
                continue
            table.setdefault(phrase, []).extend(p for p in phrases if p != phrase)
    return {k: tuple(dict.fromkeys(v)) for k, v in table.items()}
