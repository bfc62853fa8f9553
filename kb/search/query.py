"""From what a user typed to a query (kb.search.scoring): words, "phrases", synonyms, compounds.

Only our own small syntax is understood: words, double-quoted phrases, convention articles
("artikel 12", "art. 24"), and the operators AND, OR and NOT written in capitals (also OCH,
ELLER, INTE, and -word). Anything else a user types (field names, brackets, control
characters) is just text. English queries are turned into Swedish (kb.search.english), and
everyday words get what cases call them (kb.search.synonyms.load_related).
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from kb.filters import clean
from kb.search import english
from kb.search import scoring as sc
from kb.search.analysis import FOLD_MARK, MOD_MARK, folded_stem, lexicon, query_word_terms, stem, tokenize
from kb.search.schema import ARTICLE_NUMBERS, TEXT_FIELDS
from kb.search.synonyms import MAX_WORDS, Expression, Related, expression_stems, load_related, load_synonyms

MAX_QUERY_CHARS = 1000
MAX_UNITS = 32
FOLD_BOOST = 0.5  # a match only without diacritics is a fallback
PART_BOOST = 0.4  # all parts of a compound, found apart
SYNONYM_BOOST = 0.8
RELATED_BOOST = 0.6  # everyday words: what cases call them
MODIFIER_BOOST = 0.3  # the word as the first part of a compound ("barn" in "barnbokslut")
ARTICLE_BOOST = 4.0  # a case linked to the article ranks above one that only mentions it
Has = Callable[[str, str], bool]  # does the index have this term in this field?
_ARTICLE = re.compile(r"\b(?:(?:fn:s\s+)?(?:barnkonventionen|konventionen|bk)s?\s+)?"
                      r"(?:artikel|art)\.?\s*(\d{1,2})\b", re.IGNORECASE)
_AND, _OR, _NOT = frozenset({"AND", "OCH"}), frozenset({"OR", "ELLER"}), frozenset({"NOT", "INTE"})


class IndexWords(Protocol):
    """What the query needs to know of the index (kb.search.engine gives it)."""

    def frequency(self, term: str) -> int: ...  # documents with the term in a text field

    def has_word(self, word: str) -> bool: ...  # the surface word occurs in some case

    def article_titles(self) -> dict[Expression, int]: ...  # "barnets bästa" (stems) → 3


@dataclass
class Unit:
    """A word, a "quoted phrase" or a synonym-expanded expression of the query."""

    words: list[str]  # lower-cased surface words (stop words removed)
    phrase: bool = False
    synonyms: tuple[Expression, ...] = ()
    related: tuple[Expression, ...] = ()  # everyday word → the cases' words (weaker)
    article: int | None = None  # "artikel 12": cases linked to convention article 12
    either: tuple[Unit, ...] = ()  # "a OR b": b is an alternative to this unit


@dataclass
class ParsedQuery:
    units: list[Unit] = field(default_factory=list)
    excluded: list[Unit] = field(default_factory=list)  # NOT word / -word
    translated: str | None = None  # an English query's Swedish words, for "Visar resultat för"

    @property
    def empty(self) -> bool:
        return not self.units


def parse(text: str, synonyms: dict[Expression, tuple[Expression, ...]] | None = None,
          index: IndexWords | None = None) -> ParsedQuery:
    """Split ``text`` into units; an unbalanced quote is ignored.

    With ``index``, an English query is translated and everyday words that the cases hardly
    use are expanded to the words they do use.
    """
    text = clean(text)[:MAX_QUERY_CHARS]
    articles: list[int] = []

    def article(match: re.Match[str]) -> str:
        number = int(match.group(1))
        if number not in ARTICLE_NUMBERS:
            return match.group(0)
        articles.append(number)
        return " "

    text = _ARTICLE.sub(article, text)
    pieces = text.split('"')
    closed = len(pieces) % 2 == 1
    parsed = ParsedQuery([Unit(["artikel", str(n)], article=n) for n in dict.fromkeys(articles)])
    words: list[Unit] = []
    for i, piece in enumerate(pieces):
        quoted = i % 2 == 1 and (closed or i < len(pieces) - 1)
        if quoted:
            found = [t.text for t in tokenize(piece)]
            if len(found) > 1:
                words.append(Unit(found, phrase=True))
            else:
                words.extend(Unit([w]) for w in found)
        else:
            words.extend(_operators(piece, parsed.excluded))
    if index is not None:
        words, parsed.translated = _english(words, index)
    table = load_synonyms() if synonyms is None else synonyms
    words = _apply_synonyms(words, table) if table else words
    if index is not None:
        words = _apply_related(_article_titles(words, index.article_titles()), load_related(), index)
    parsed.units = _join_either(parsed.units + words)[:MAX_UNITS]
    parsed.excluded = parsed.excluded[:MAX_UNITS]
    return parsed


_EITHER = Unit([])  # marks "OR" between two units while parsing


def _operators(piece: str, excluded: list[Unit]) -> list[Unit]:
    """Words of an unquoted piece; AND is dropped, NOT/-word excluded, OR marked."""
    out: list[Unit] = []
    negate = False
    for chunk in piece.split():
        if chunk in _AND:
            continue
        if chunk in _OR:
            if out and out[-1] is not _EITHER:
                out.append(_EITHER)
            continue
        if chunk in _NOT:
            negate = True
            continue
        if chunk.startswith("-") and len(chunk) > 1:
            negate, chunk = True, chunk[1:]
        units = [Unit([t.text]) for t in tokenize(chunk)]
        (excluded if negate else out).extend(units)
        negate = negate and not units
    return out


def _join_either(units: list[Unit]) -> list[Unit]:
    out: list[Unit] = []
    for unit in units:
        if out and out[-1] is _EITHER:
            out.pop()
            if out:
                out[-1].either = (*out[-1].either, unit)
                continue
        if unit is not _EITHER:
            out.append(unit)
    return [u for u in out if u is not _EITHER]


def _english(units: list[Unit], index: IndexWords) -> tuple[list[Unit], str | None]:
    """An English query as Swedish units (phrases and operators stay as they are)."""
    if not units or any(u.phrase or u is _EITHER for u in units):
        return units, None
    plain = units
    lex = lexicon()

    def swedish(word: str) -> bool:
        return lex.knows(word) or lex.knows_inflected(word) or index.has_word(word)

    def indexed(word: str) -> bool:
        return index.has_word(word) or index.frequency(stem(word)) > 0

    found = english.translate([u.words[0] for u in plain], swedish, indexed)
    if found is None:
        return units, None
    out: list[Unit] = []
    for item in found:
        first, *others = item.swedish
        main = [t.text for t in tokenize(first)] or [first.lower()]
        out.append(Unit(main, len(main) > 1, tuple(e for e in map(expression_stems, others) if e)))
    return out, " ".join(item.swedish[0] for item in found)


def _article_titles(units: list[Unit], titles: dict[Expression, int]) -> list[Unit]:
    """A run of words that is an article's title ("barnets bästa") also finds the cases linked
    to that article, like "artikel 3"."""
    out: list[Unit] = []
    i = 0
    while i < len(units):
        for size in range(min(MAX_WORDS, len(units) - i), 1, -1):
            run = units[i:i + size]
            if any(u.phrase or u is _EITHER or not u.words for u in run):
                continue
            number = titles.get(tuple(stem(u.words[0]) for u in run))
            if number is not None:
                out.append(Unit([u.words[0] for u in run], True, article=number))
                i += size
                break
        else:
            out.append(units[i])
            i += 1
    return out


def _apply_related(units: list[Unit], table: Related, index: IndexWords) -> list[Unit]:
    """Everyday words get the words cases use instead: the editors' pairs always, the
    thesaurus's only for a word that no case uses (so it never floods a word that works)."""
    for unit in units:
        if unit.phrase or unit.synonyms or unit.article is not None or not unit.words:
            continue
        key = (stem(unit.words[0]),)
        if key in table.curated:
            unit.related = table.curated[key]
        elif key in table.derived and not index.frequency(key[0]):
            unit.related = table.derived[key]
    return units


def _apply_synonyms(units: list[Unit], table: dict[Expression, tuple[Expression, ...]]) -> list[Unit]:
    """Merge runs of single words that form a known expression into one unit."""
    out: list[Unit] = []
    i = 0
    while i < len(units):
        unit = units[i]
        if unit.phrase or unit is _EITHER:
            key = tuple(stem(w) for w in unit.words)
            out.append(Unit(unit.words, True, unit.synonyms or table.get(key, ())) if unit.words else unit)
            i += 1
            continue
        for size in range(min(MAX_WORDS, len(units) - i), 0, -1):
            run = units[i:i + size]
            if any(u.phrase or u is _EITHER or u.synonyms for u in run):
                continue
            key = tuple(stem(u.words[0]) for u in run)
            if key in table and (size > 1 or not unit.synonyms):
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
    """A word: its stem (the word itself or a compound it ends), else its folded stem, else
    the word as the first part of a compound, else all its compound parts apart."""
    terms = query_word_terms(word)
    # "°amal" matches "Åmål"; a word typed with diacritics never matches one without.
    alternatives = [fields_query(terms.stem, 1.0, has),
                    fields_query(FOLD_MARK + folded_stem(word), FOLD_BOOST, has),
                    fields_query(MOD_MARK + terms.stem, MODIFIER_BOOST, has)]
    if terms.parts:
        parts = [sc.any_of([fields_query(p, 1.0, has), fields_query(MOD_MARK + p, 1.0, has),
                            fields_query(FOLD_MARK + p, FOLD_BOOST, has)])
                 for p in terms.parts]
        alternatives.append(sc.all_of(parts, PART_BOOST))
    return sc.any_of(alternatives)


def unit_query(unit: Unit, has: Has = _anything) -> sc.Query:
    if unit.article is not None:
        main: sc.Query = sc.Term("article", str(unit.article), ARTICLE_BOOST)
        if unit.phrase:  # the article's title, also as text
            main = sc.any_of([main, _phrase([stem(w) for w in unit.words], 1.0, has)])
    else:
        stems = [stem(w) for w in unit.words]
        main = _phrase(stems, 1.0, has) if unit.phrase else word_query(unit.words[0], has)
    return sc.any_of([main, *(_phrase(list(s), SYNONYM_BOOST, has) for s in unit.synonyms),
                      *(_phrase(list(r), RELATED_BOOST, has) for r in unit.related),
                      *(unit_query(other, has) for other in unit.either)])


def build(parsed: ParsedQuery, match_all: bool = True, has: Has = _anything) -> sc.Query:
    """All units (``match_all``) or any of them; ``has(field, term)`` prunes absent terms."""
    queries = [unit_query(u, has) for u in parsed.units]
    return sc.all_of(queries) if match_all else sc.any_of(queries)


def excluded(parsed: ParsedQuery, has: Has = _anything) -> sc.Query:
    """What the cases must not match (NOT word, -word)."""
    return sc.any_of(unit_query(u, has) for u in parsed.excluded)


def highlight_terms(parsed: ParsedQuery) -> frozenset[str]:
    """The index terms that count as a match, for marking snippets: a word, the compounds it
    ends and its synonyms — not compounds it only begins ("barn" is not marked in "barnbokslut")."""
    terms: set[str] = set()
    units = [*parsed.units, *(other for u in parsed.units for other in u.either)]
    for unit in units:
        if unit.article is not None and not unit.phrase:
            continue
        for word in unit.words:
            terms.update((query_word_terms(word).stem, FOLD_MARK + folded_stem(word)))
        for expression in (*unit.synonyms, *unit.related):
            terms.update(expression)
    return frozenset(terms)
