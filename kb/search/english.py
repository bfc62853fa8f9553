"""Queries in English ("participation", "bridge builders"): the field's terms and a general
glossary turn them into Swedish words before the search.

A word is taken as English only when it is not a Swedish word (neither in the dictionary nor
in the index) and the glossaries know it; a query of Swedish words is never touched. Runs of
words are matched against the field's glossary longest first ("child rights ombudsman" →
barnrättsombud); single words come from FreeDict's English-Swedish dictionary, and two
neighbouring translations that form a Swedish compound the index knows are joined
("child" + "report" → barnbokslut only via the field's list, "school" + "yard" → skolgård).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from kb.search.analysis import WORDLIST_DIR

FIELD_PATH = WORDLIST_DIR / "glossary-field.yaml"
GENERAL_PATH = WORDLIST_DIR / "glossary-en-sv.tsv"
MAX_PHRASE = 6
_IRREGULAR = {"children": "child", "women": "woman", "men": "man", "people": "person",
              "youths": "youth", "analyses": "analysis", "lives": "life"}


@dataclass(frozen=True)
class Glossary:
    phrases: dict[tuple[str, ...], tuple[str, ...]]  # English words → Swedish expressions

    def lookup(self, words: tuple[str, ...]) -> tuple[str, ...]:
        for form in _forms(words):
            if form in self.phrases:
                return self.phrases[form]
        return ()


@dataclass(frozen=True)
class Translated:
    english: str
    swedish: tuple[str, ...]  # the first is what the page shows


def _singulars(word: str) -> list[str]:
    forms = [word]
    if word in _IRREGULAR:
        forms.append(_IRREGULAR[word])
    if word.endswith("'s"):
        forms.append(word[:-2])
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 4:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        forms.append(word[:-1])
    return forms


def _forms(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The words as written, then with the last word in the singular."""
    return [(*words[:-1], last) for last in _singulars(words[-1])]


@lru_cache(maxsize=2)
def glossary(field: str = str(FIELD_PATH), general: str = str(GENERAL_PATH)) -> Glossary:
    phrases: dict[tuple[str, ...], tuple[str, ...]] = {}
    path = Path(general)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#") and "\t" in line:
                english, swedish = line.split("\t", 1)
                phrases[(english,)] = tuple(swedish.split("|"))
    path = Path(field)
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for english, swedish in (data.get("termer") or {}).items():
            key = tuple(str(english).lower().replace("-", " ").split())
            if 0 < len(key) <= MAX_PHRASE:
                phrases[key] = tuple(str(s) for s in (swedish if isinstance(swedish, list) else [swedish]))
    return Glossary(phrases)


def translate(words: list[str], swedish: Callable[[str], bool],
              compound: Callable[[str], bool]) -> list[Translated] | None:
    """``words`` (lower-case) as Swedish, or None when the query is not English.

    ``swedish(word)``: is it a Swedish word; ``compound(word)``: does the index know this
    joined word. Swedish words among English ones are kept as they are.
    """
    table = glossary()
    english = [not swedish(w) and bool(table.lookup((w,)) or _in_phrase(table, words, i))
               for i, w in enumerate(words)]
    if not any(english):
        return None
    out: list[Translated] = []
    i = 0
    while i < len(words):
        for size in range(min(MAX_PHRASE, len(words) - i), 1, -1):
            found = table.lookup(tuple(words[i:i + size]))
            if found:
                out.append(Translated(" ".join(words[i:i + size]), found))
                i += size
                break
        else:
            found = table.lookup((words[i],)) if english[i] else ()
            out.append(Translated(words[i], found or (words[i],)))
            i += 1
    return _join_compounds(out, english_words=set(w for w, e in zip(words, english, strict=True) if e),
                           compound=compound)


def _in_phrase(table: Glossary, words: list[str], at: int) -> bool:
    for start in range(max(0, at - MAX_PHRASE + 1), at + 1):
        for end in range(at + 1, min(len(words), start + MAX_PHRASE) + 1):
            if end - start > 1 and table.lookup(tuple(words[start:end])):
                return True
    return False


def _join_compounds(parts: list[Translated], english_words: set[str],
                    compound: Callable[[str], bool]) -> list[Translated]:
    """Neighbouring single-word translations that the index knows as one compound, joined."""
    out: list[Translated] = []
    for part in parts:
        prev = out[-1] if out else None
        if (prev and prev.english in english_words and part.english in english_words
                and " " not in prev.swedish[0] and " " not in part.swedish[0]):
            joined = _compound(prev.swedish, part.swedish, compound)
            if joined:
                out[-1] = Translated(f"{prev.english} {part.english}", (joined,))
                continue
        out.append(part)
    return out


def _compound(heads: tuple[str, ...], tails: tuple[str, ...], known: Callable[[str], bool]) -> str | None:
    stems = [h[:-1] if h[-1:] in ("a", "e") else h for h in heads]  # skola → skol|gård
    for head in dict.fromkeys([*heads, *stems]):
        for tail in tails:
            for link in ("", "s"):
                word = (head + link + tail).lower()
                if known(word):
                    return word
    return None
