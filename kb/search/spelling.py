"""“Menade du …?”: misspelt words replaced by the closest words in the index.

A misspelt simple word is compared with the index's words (Whoosh's corrector). A misspelt
compound rarely is a word of the index as written ("ungdomsdiallog" vs "ungdomsdialogen"),
so it is also read as a chain of dictionary words, each equal to its part of the typed word
or one edit (or missing diacritics) away from it, and the chain is offered when the index
has the compound it spells ("barnkonsekvensanalis" → barnkonsekvensanalys).
"""
from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from whoosh.searching import Searcher

from kb.search.analysis import fold, head_lemma, lexicon, split_compound, stem
from kb.search.query import ParsedQuery

ALPHABET = "abcdefghijklmnopqrstuvwxyzåäöé"
MIN_PART = 3
MAX_COMPOUND = 30  # longer "words" are not worth the work
MAX_COMPOUNDS = 2  # misspelt compounds read per query (each costs tens of milliseconds)
KEEP = 16  # readings kept per prefix
NEAR = 40  # near words kept per part


def _misspelt(searcher: Searcher, word: str, found_nothing: bool) -> bool:
    """Neither in the index's words, the dictionary, nor a compound of known words; or, when
    the search found nothing, a word the cases do not have ("familjecentrallen" splits into
    real words, familje|central|len, yet is a slip for familjecentralen)."""
    if len(word) < 4 or word.isdigit() or searcher.doc_frequency("words", word):
        return False
    if found_nothing:
        return not _indexed(searcher, word)
    return not (lexicon().knows(word) or lexicon().knows_inflected(word) or split_compound(word))


def suggestion(searcher: Searcher, parsed: ParsedQuery, text: str, found_nothing: bool = False) -> str | None:
    """``text`` with misspelt words replaced by the closest words in the index."""
    corrector = None
    fixed = text
    budget = MAX_COMPOUNDS
    for unit in parsed.units:
        for word in unit.words:
            if (unit.synonyms and len(word) <= 5) or not _misspelt(searcher, word, found_nothing):
                continue
            corrector = corrector or searcher.corrector("words")
            found = corrector.suggest(word, limit=1, maxdist=1 if len(word) < 6 else 2, prefix=1)
            better = found[0] if found else None
            if not better and budget:
                budget -= 1
                better = compound(word, lambda w: _indexed(searcher, w))
            if better:
                fixed = _replace_word(fixed, word, better)
    return fixed if fixed != text else None


def _indexed(searcher: Searcher, word: str) -> bool:
    return bool(searcher.doc_frequency("words", word) or searcher.doc_frequency("body", stem(word)))


def compound(word: str, indexed: Callable[[str], bool]) -> str | None:
    """The compound of dictionary words nearest to ``word`` that ``indexed`` knows."""
    if not word.isalpha() or len(word) > MAX_COMPOUND:
        return None
    # readings[i]: ways to spell word[:i] as whole parts: (spelling, edits, parts)
    readings: list[list[tuple[str, int, int]]] = [[] for _ in range(len(word) + 1)]
    readings[0] = [("", 0, 0)]
    for start in range(len(word)):
        if not readings[start]:
            continue
        for end in range(start + MIN_PART, len(word) + 1):
            final = end == len(word)
            for part, edits in _near(word[start:end], final):
                for spelt, before, parts in readings[start]:
                    if before + edits <= 2:
                        readings[end].append((spelt + part, before + edits, parts + 1))
        for end in range(start + 1, len(word) + 1):
            readings[end] = sorted(set(readings[end]), key=lambda r: (r[1], r[2]))[:KEEP]
    for spelt, edits, parts in sorted(readings[-1], key=lambda r: (r[1], r[2])):
        if edits and parts > 1 and indexed(spelt):
            return spelt
    return None


@lru_cache(maxsize=20_000)
def _near(segment: str, final: bool) -> tuple[tuple[str, int], ...]:
    """Dictionary words (as a final part, or as a first part with its linking letter) equal to
    ``segment`` (0 edits), or one edit or only diacritics away (1)."""
    known = _final if final else _first
    found = [(segment, 0)] if known(segment) else []
    unfolded = _unfold().get(fold(segment))
    if unfolded and unfolded != segment and known(unfolded):
        found.append((unfolded, 1))  # typed without å, ä, ö: the likeliest slip
    if not found or len(segment) > 4:
        # one edit; those that only add diacritics first, then in a stable order
        words = lexicon().words if final else _first_parts()
        edits = sorted((c for c in _edits(segment) & words if c != segment),
                       key=lambda c: (fold(c) != fold(segment), c))
        found += [(c, 1) for c in edits]
    return tuple(dict.fromkeys(found))[:NEAR]


def _final(word: str) -> bool:
    lex = lexicon()
    return lex.knows(word) or lex.knows_inflected(word)


def _first(word: str) -> bool:
    return len(word) >= MIN_PART and head_lemma(word, lexicon(), False) is not None


@lru_cache(maxsize=1)
def _first_parts() -> frozenset[str]:
    """Dictionary words, and the same with a linking -s, as first parts of compounds."""
    words = lexicon().words
    return words | frozenset(w + "s" for w in words if w[-1] not in "sx")


@lru_cache(maxsize=1)
def _unfold() -> dict[str, str]:
    """Dictionary words by their spelling without diacritics."""
    return {fold(w): w for w in sorted(lexicon().words) if fold(w) != w}


def warm_up() -> None:
    """Build the speller's tables (half a second) before the first reader needs them."""
    _first_parts()
    _unfold()


def _edits(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in ALPHABET}
            | {a + c + b for a, b in splits for c in ALPHABET})


def _replace_word(text: str, word: str, replacement: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    return text if at < 0 else text[:at] + replacement + text[at + len(word):]
