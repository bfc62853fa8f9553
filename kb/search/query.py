"""From what a user typed to a query (kb.search.scoring): words, "phrases", synonyms, compounds.

Only our own small syntax is understood (words and double-quoted phrases); anything else a
user types (field names, operators, brackets, control characters) is just text.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from kb.search import scoring as sc
from kb.search.analysis import FOLD_MARK, folded_stem, query_word_terms, stem, tokenize
from kb.search.schema import TEXT_FIELDS
from kb.search.synonyms import MAX_WORDS, Expression, load_synonyms

MAX_QUERY_CHARS = 1000
MAX_UNITS = 32
FOLD_BOOST = 0.5  # a match only without diacritics is a fallback
PART_BOOST = 0.4  # all parts of a compound, found apart
SYNONYM_BOOST = 0.8
Has = Callable[[str, str], bool]  # does the index have this term in this field?
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class Unit:
    """A word, a "quoted phrase" or a synonym-expanded expression of the query."""

    words: list[str]  # lower-cased surface words (stop words removed)
    phrase: bool = False
    synonyms: tuple[Expression, ...] = ()


@dataclass
class ParsedQuery:
    units: list[Unit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.units


def clean(text: str) -> str:
    """Drop control and format characters; collapse white space."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cs", "Co"))
    return " ".join(text.split())


def parse(text: str, synonyms: dict[Expression, tuple[Expression, ...]] | None = None) -> ParsedQuery:
    """Split ``text`` into units; an unbalanced quote is ignored."""
    text = clean(text)
    pieces = text.split('"')
    closed = len(pieces) % 2 == 1
    units: list[Unit] = []
    for i, piece in enumerate(pieces):
        words = [t.text for t in tokenize(piece)]
        quoted = i % 2 == 1 and (closed or i < len(pieces) - 1)
        if quoted and len(words) > 1:
            units.append(Unit(words, phrase=True))
        else:
            units.extend(Unit([w]) for w in words)
    units = units[:MAX_UNITS]
    table = load_synonyms() if synonyms is None else synonyms
    return ParsedQuery(_apply_synonyms(units, table) if table else units)


def _apply_synonyms(units: list[Unit], table: dict[Expression, tuple[Expression, ...]]) -> list[Unit]:
    """Merge runs of single words that form a known expression into one unit."""
    out: list[Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.phrase:
            key = tuple(stem(w) for w in unit.words)
            out.append(Unit(unit.words, True, table.get(key, ())))
            i += 1
            continue
        for size in range(min(MAX_WORDS, len(units) - i), 0, -1):
            run = units[i:i + size]
            if any(u.phrase for u in run):
                continue
            key = tuple(stem(u.words[0]) for u in run)
            if key in table:
                words = [u.words[0] for u in run]
                out.append(Unit(words, size > 1, table[key]))
                i += size
                break
        else:
            out.append(unit)
            i += 1
    return out


def _anything(field: str, term: str) -> bool:
    return True


def fields_query(term: str, boost: float = 1.0, has: Has = _anything) -> sc.Query:
    """``term`` in any free-text field, each with its weight (fields without it are left out)."""
    return sc.any_of(sc.Term(name, term, weight * boost) for name, weight in TEXT_FIELDS.items()
                     if has(name, term))


def _phrase(stems: list[str], boost: float, has: Has) -> sc.Query:
    if len(stems) == 1:
        return fields_query(stems[0], boost, has)
    return sc.any_of(sc.Phrase(name, tuple(stems), weight * boost) for name, weight in TEXT_FIELDS.items()
                     if all(has(name, s) for s in stems))


def word_query(word: str, has: Has = _anything) -> sc.Query:
    """A word: its stem, else its folded stem, else all its compound parts."""
    terms = query_word_terms(word)
    # "°amal" matches "Åmål"; a word typed with diacritics never matches one without.
    alternatives = [fields_query(terms.stem, 1.0, has),
                    fields_query(FOLD_MARK + folded_stem(word), FOLD_BOOST, has)]
    if terms.parts:
        parts = [sc.any_of([fields_query(p, 1.0, has), fields_query(FOLD_MARK + p, FOLD_BOOST, has)])
                 for p in terms.parts]
        alternatives.append(sc.all_of(parts, PART_BOOST))
    return sc.any_of(alternatives)


def unit_query(unit: Unit, has: Has = _anything) -> sc.Query:
    stems = [stem(w) for w in unit.words]
    main = _phrase(stems, 1.0, has) if unit.phrase else word_query(unit.words[0], has)
    return sc.any_of([main, *(_phrase(list(s), SYNONYM_BOOST, has) for s in unit.synonyms)])


def build(parsed: ParsedQuery, match_all: bool = True, has: Has = _anything) -> sc.Query:
    """All units (``match_all``) or any of them; ``has(field, term)`` prunes absent terms."""
    queries = [unit_query(u, has) for u in parsed.units]
    return sc.all_of(queries) if match_all else sc.any_of(queries)


def highlight_terms(parsed: ParsedQuery) -> frozenset[str]:
    """The index terms that count as a match, for marking snippets."""
    terms: set[str] = set()
    for unit in parsed.units:
        for word in unit.words:
            terms.update((query_word_terms(word).stem, FOLD_MARK + folded_stem(word)))
        for synonym in unit.synonyms:
            terms.update(synonym)
    return frozenset(terms)
