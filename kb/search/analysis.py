"""Swedish text analysis: stemming, accent folding and compound splitting.

Every word is turned into *terms*: its stem; for a compound, the stems of its parts and of
their contiguous runs ("folktandvården" → folktandvård, folk, tand, vård, tandvård, folktand);
and, for terms with å/ä/ö/é, a folded twin marked with :data:`FOLD_MARK` ("°amal"). Swedish
compounds are right-headed (a "barnbokslut" is a bokslut, not a child): parts and runs that
end the word are plain terms, the others are marked with :data:`MOD_MARK` ("›barn"), so a
query can weigh "barn" in "barnbokslut" below the word "barn" itself. The
index stores them all at the word's position, so phrases keep working; queries choose which
to ask for (see :mod:`kb.search.query`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

from whoosh.analysis import (
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StopFilter,
    Token,
    Tokenizer,
)
from whoosh.lang import stopwords_for_language
from whoosh.lang.snowball.swedish import SwedishStemmer
from whoosh.support.charset import accent_map

ROOT = Path(__file__).resolve().parents[2]
WORDLIST_DIR = ROOT / "seed_data" / "search"
FOLD_MARK = "°"
MOD_MARK = "›"
WORD_PATTERN = r"\w+"
STOPWORDS = frozenset(stopwords_for_language("sv"))
_WORD = re.compile(WORD_PATTERN)
MIN_COMPOUND = 6
# Word forms that look like parts but are suffixes or fragments ("myndig|heter",
# "tills|ammans", "avgör|ande"): never accepted as a part of a compound.
BAD_PARTS = frozenset((
    "ande", "ende", "heter", "het", "ing", "ingen", "ings", "ingens", "liga", "lig", "ligt",
    "kap", "kapet", "kaps", "skap", "son", "den", "ens", "ans", "erna", "arna", "orna",
    "ammans", "amma", "kilt", "river", "rivit", "rivs", "hed", "lut", "ätt", "ätten", "ätts",
    "ämn", "art", "satta", "tills", "särs", "samt", "besk", "nyst", "förs", "häl", "for", "var",
    "ting", "get", "fort", "dess", "utom", "gande",
))
_VOWELS = "aeiouyäåö"
_S_ENDING = frozenset("bcdfghjklmnoprtvy")
_ENDINGS = ("", "a", "e", "er", "ar", "or", "en", "et", "ande", "ning", "iga", "ig")
_SNOWBALL = SwedishStemmer()


_FOLD_TABLE = str.maketrans("åäöéèêëüáàíóúñÅÄÖÉÜ", "aaoeeeeuaaiounAAOEU")


def fold(text: str) -> str:
    """``"Åmål"`` → ``"Amal"``: strip diacritics (å, ä, ö, é, ü …)."""
    text = text.translate(_FOLD_TABLE)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _r1(word: str) -> int:
    """Snowball's R1: after the first non-vowel following a vowel, at least 3."""
    for i in range(1, len(word)):
        if word[i] not in _VOWELS and word[i - 1] in _VOWELS:
            return max(3, i + 1)
    return len(word)


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """Snowball Swedish, plus the definite forms it leaves alone.

    Snowball removes one suffix, so "analyser" → analys but "analys" → analy: a remaining
    -s is removed as Snowball would. It keeps "skolan" (vs "skola" → skol) and "barnet"/"arbetet" (vs "barn",
    "arbete" → arbet); stripping a final -an and -et inside R1 conflates them.
    """
    if len(word) < 3 or word.isdigit():
        return word
    result = _SNOWBALL.stem(word)
    r1 = _r1(word)
    if result.endswith("an") and len(result) - 2 >= r1:
        return result[:-2]
    removed = word[len(result):]
    if removed[:1] == "e" and result[-1:] == "s" and result[-2:-1] in _S_ENDING and len(result) - 1 >= r1:
        result = result[:-1]  # "analyser" → analys → analy, like "analys"
    for _ in range(2):  # "paketet" → "paket" → "pak", like "paket" and "paketen"
        if result.endswith("et") and len(result) - 2 >= r1:
            result = result[:-2]
    return result


@dataclass(frozen=True)
class Lexicon:
    """Known Swedish word forms (the shipped list plus the field's own words)."""

    words: frozenset[str]
    folded: frozenset[str]

    def knows(self, word: str, folded: bool = False) -> bool:
        return word in (self.folded if folded else self.words)

    def knows_inflected(self, word: str, folded: bool = False) -> bool:
        """``word`` or another form of it ("beskriver" ← beskriva) is in the list."""
        root = stem(word)
        return any(self.knows(root + end, folded) for end in _ENDINGS)


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The dictionary, read once per process (immutable)."""
    words: set[str] = set()
    for name in ("swedish-words.txt", "domain-words.txt"):
        path = WORDLIST_DIR / name
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                line = line.strip().lower()
                if line and not line.startswith("#"):
                    words.add(line)
    return Lexicon(frozenset(words), frozenset(fold(w) for w in words))


@dataclass(frozen=True)
class Part:
    surface: str  # as written inside the compound ("rätts", "skol")
    lemma: str  # the word it stands for ("rätt", "skola")


def head_lemma(head: str, lex: Lexicon, folded: bool) -> str | None:
    """The word a non-final part stands for: itself, minus a linking -s/-e, or plus -a/-e."""
    if head in BAD_PARTS:
        return None
    if lex.knows(head, folded):
        return head
    if head[-1] in "se" and len(head) > 3 and lex.knows(head[:-1], folded):
        return head[:-1]  # rätts|ombud, familje|rätt
    for ending in ("a", "e"):  # skol|gård ← skola, pojk|rum ← pojke
        if lex.knows(head + ending, folded):
            return head + ending
    return None


def _better(a: tuple[Part, ...] | None, b: tuple[Part, ...]) -> bool:
    """Fewer parts win; then the split whose shortest part is longest."""
    if a is None:
        return True
    if len(a) != len(b):
        return len(b) < len(a)
    return min(len(p.surface) for p in b) > min(len(p.surface) for p in a)


@lru_cache(maxsize=100_000)
def _split(word: str, min_part: int, folded: bool) -> tuple[Part, ...] | None:
    lex = lexicon()
    if lex.knows(word, folded) and word not in BAD_PARTS:
        return (Part(word, word),)  # a known tail is not split further
    best: tuple[Part, ...] | None = None
    for i in range(min_part, len(word) - min_part + 1):
        lemma = head_lemma(word[:i], lex, folded)
        tail = _split(word[i:], min_part, folded) if lemma else None
        if lemma and tail is not None:
            candidate = (Part(word[:i], lemma), *tail)
            if _better(best, candidate):
                best = candidate
    return best


@lru_cache(maxsize=200_000)
def split_compound(word: str, folded: bool = False) -> tuple[tuple[Part, ...], ...]:
    """The likeliest ways to split a compound ("barnbokslutet" → barn|bokslutet and
    barnbok|slutet, as both have two parts), or ``()`` when it is not one.

    Unknown words split into parts of 3+ letters; known words only into parts of 4+
    letters, which keeps "valdeltagande" as val|deltagande, never vald|eltagande.
    """
    if len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    lex = lexicon()
    min_part = 4 if lex.knows(word, folded) or lex.knows_inflected(word, folded) else 3
    splits: list[tuple[Part, ...]] = []
    for i in range(min_part, len(word) - min_part + 1):
        lemma = head_lemma(word[:i], lex, folded)
        tail = _split(word[i:], min_part, folded) if lemma else None
        if lemma and tail is not None:
            splits.append((Part(word[:i], lemma), *tail))
    if not splits:
        return ()
    fewest = min(len(s) for s in splits)
    return tuple(s for s in splits if len(s) == fewest)


@dataclass(frozen=True)
class WordTerms:
    """What one word contributes to the index or to a query."""

    stem: str
    parts: tuple[str, ...] = ()  # stems of the compound's parts
    runs: tuple[str, ...] = ()  # stems of contiguous runs of 2+ parts (not the whole)
    folded: tuple[str, ...] = ()  # stems of the above written without diacritics, if different
    heads: frozenset[str] = frozenset()  # the parts and runs that end the word

    @cached_property
    def index_terms(self) -> tuple[str, ...]:
        terms = tuple(dict.fromkeys((self.stem, *self.parts, *self.runs)))
        marked = tuple(t if t == self.stem or t in self.heads else MOD_MARK + t for t in terms)
        return tuple(dict.fromkeys(marked)) + tuple(FOLD_MARK + f for f in self.folded)


def folded_stem(word: str) -> str:
    """The stem of ``word`` written without diacritics ("västerås" → vasteras → vaster)."""
    return stem(fold(word))


def _runs(parts: tuple[Part, ...], heads_only: bool = False) -> list[str]:
    runs = []
    for i in range(len(parts)):
        for j in range(i + 1, len(parts)):
            if (i == 0 and j == len(parts) - 1) or (heads_only and j != len(parts) - 1):
                continue  # the whole word; or a run that does not end the word
            last = parts[j].surface if j == len(parts) - 1 else parts[j].lemma
            runs.append("".join(p.surface for p in parts[i:j]) + last)
    return runs


@lru_cache(maxsize=200_000)
def word_terms(word: str, folded: bool = False) -> WordTerms:
    """Stem, part stems, run stems and their diacritic-free twins of a lower-cased word."""
    splits = split_compound(word, folded)
    lemmas = [p.lemma for parts in splits for p in parts]
    runs = [r for parts in splits for r in _runs(parts)]
    twins = tuple(dict.fromkeys(folded_stem(w) for w in (word, *lemmas, *runs) if fold(w) != w))
    if not splits:
        return WordTerms(stem(word), folded=twins)
    heads = frozenset(stem(w) for parts in splits for w in (parts[-1].lemma, *_runs(parts, True)))
    return WordTerms(stem(word), tuple(dict.fromkeys(stem(w) for w in lemmas)),
                     tuple(dict.fromkeys(stem(r) for r in runs)), twins, heads)


def query_word_terms(word: str) -> WordTerms:
    """Like :func:`word_terms`, but a word typed without diacritics may split on folded forms."""
    terms = word_terms(word)
    if not terms.parts and word == fold(word):
        folded = word_terms(word, folded=True)
        if folded.parts:
            return folded
    return terms


class SwedishTokenizer(Tokenizer):
    """Words → index terms in one pass: lower-case, drop stop words, then each word's terms
    (stem, parts, runs, folded twins) at the word's position. One generator instead of a
    chain of filters: indexing spends most of its time here."""

    def __call__(self, value: str, positions: bool = False, chars: bool = False,
                 keeporiginal: bool = False, removestops: bool = True, start_pos: int = 0,
                 start_char: int = 0, tokenize: bool = True, mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost, token.stopped = 1.0, False
        pos = start_pos
        for match in _WORD.finditer(value):
            word = match.group().lower()
            if len(word) < 2 or word in STOPWORDS:
                continue
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + match.start(), start_char + match.end()
            for term in word_terms(word).index_terms:
                token.text = term
                yield token
            pos += 1


def words_with_offsets(text: str) -> Iterator[tuple[str, int, int]]:
    """Lower-cased words of ``text`` (no stop words) with their offsets; fast, no Tokens."""
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if len(word) >= 2 and word not in STOPWORDS:
            yield word, match.start(), match.end()


def tokenize(text: str) -> Iterator[Token]:
    """Lower-cased words of ``text`` with character offsets, stop words removed."""
    return _base_analyzer()(text, chars=True, positions=True)


@lru_cache(maxsize=1)
def _base_analyzer():
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | StopFilter(stoplist=STOPWORDS, minsize=2)


def swedish_analyzer():
    """The analyzer of every free-text field."""
    return SwedishTokenizer()


def words_analyzer():
    """Surface words, lower-cased, no stemming: the vocabulary for "Menade du …?"."""
    return RegexTokenizer(r"[^\W\d_]{3,}") | LowercaseFilter() | StopFilter(stoplist=STOPWORDS)


def folded_words_analyzer():
    """Lower-cased words without diacritics (typeahead matches "amal" to "Åmål")."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
