"""“Menade du …?”: misspelt words replaced by the closest words in the index."""
from __future__ import annotations

from whoosh.searching import Searcher

from kb.search.analysis import lexicon, split_compound
from kb.search.query import ParsedQuery


def _misspelt(searcher: Searcher, word: str) -> bool:
    """Neither in the index's words, the dictionary, nor a compound of known words."""
    if len(word) < 4 or word.isdigit() or searcher.doc_frequency("words", word):
        return False
    return not (lexicon().knows(word) or lexicon().knows_inflected(word) or split_compound(word))


def suggestion(searcher: Searcher, parsed: ParsedQuery, text: str) -> str | None:
    """``text`` with misspelt words replaced by the closest words in the index."""
    corrector = None
    fixed = text
    for unit in parsed.units:
        for word in unit.words:
            if (unit.synonyms and len(word) <= 5) or not _misspelt(searcher, word):  # BKA, SoL …
                continue
            corrector = corrector or searcher.corrector("words")
            found = corrector.suggest(word, limit=1, maxdist=1 if len(word) < 6 else 2, prefix=1)
            if found:
                fixed = _replace_word(fixed, word, found[0])
    return fixed if fixed != text else None


def _replace_word(text: str, word: str, replacement: str) -> str:
    lowered = text.lower()
    at = lowered.find(word)
    return text if at < 0 else text[:at] + replacement + text[at + len(word):]
