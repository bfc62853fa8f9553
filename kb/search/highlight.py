"""Snippets: the stretch of a case's text with the most matched words, marked with <mark>."""
from __future__ import annotations

from markupsafe import Markup, escape

from kb.models import Case
from kb.search.analysis import FOLD_MARK, MOD_MARK, fold, word_terms, words_with_offsets
from kb.search.schema import plain_text

SNIPPET_CHARS = 220


def cores(terms: frozenset[str]) -> frozenset[str]:
    """What a word must contain, as written or without diacritics, to have one of ``terms``
    among its index terms: each is a stem of the word or of a run of its parts, which is a
    prefix of it, with at most a lemma's -a/-e added (skol|gård → skola), hence a term less
    its last letter (tests/search/test_analysis.py checks this on the word lists)."""
    return frozenset(term.lstrip(FOLD_MARK + MOD_MARK)[:-1] for term in terms)


def may_match(word: str, cores: frozenset[str]) -> bool:
    """False when ``word`` cannot have any of the terms ``cores`` came from: it need not be
    analysed (a first search would decompound every new word of the top 10's summaries)."""
    if any(core in word for core in cores):
        return True
    return not word.isascii() and any(core in fold(word) for core in cores)


def snippet(text: str, terms: frozenset[str], width: int = SNIPPET_CHARS) -> Markup | None:
    """The stretch of ``text`` with the most matched words, those words in ``<mark>``."""
    needed = cores(terms)
    spans = [(start, end) for word, start, end in words_with_offsets(text)
             if may_match(word, needed) and not terms.isdisjoint(word_terms(word).index_terms)]
    if not spans:
        return None
    best, best_count = 0, 0
    for i, (start, _) in enumerate(spans):
        count = sum(1 for s, e in spans[i:] if e <= start + width)
        if count > best_count:
            best, best_count = i, count
    start = spans[best][0]
    begin = max(0, text.rfind(" ", 0, max(0, start - 40)) + 1) if start > 40 else 0
    end = min(len(text), begin + width)
    if end < len(text):
        end = text.rfind(" ", begin, end) if " " in text[begin:end] else end
    out, pos = [], begin
    for s, e in spans:
        if s < pos or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e])
        pos = e
    out.append(escape(text[pos:end]))
    body = Markup("").join(out).strip()
    prefix = Markup("… ") if begin > 0 else Markup("")
    suffix = Markup(" …") if end < len(text) else Markup("")
    return prefix + body + suffix


def case_snippet(case: Case, terms: frozenset[str]) -> Markup:
    found = snippet(case.summary, terms)
    if found is None:  # the body only when the summary has none of the words
        found = snippet(" ".join(plain_text(case.body, headings=False).split()), terms)
    return found or escape(case.summary[:SNIPPET_CHARS])
