"""Derive thesaurus-sv.txt from Debian's ``mythes-sv`` (run once, commit the result).

    apt-get install mythes-sv && python seed_data/search/derive_thesaurus.py

The source is the Swedish thesaurus of LibreOffice (Folkets synonymlexikon, Viggo Kann, KTH;
licence in thesaurus-sv.LICENSE.txt). It lists many loose pairs ("barn" → "telning", "baby",
"avkomma"); only the pairs that help a search are kept:

- both sides are single words of 4+ letters, not stop words, with different stems;
- the pair is mutual: each word lists the other (loose associations rarely are);
- both words are known Swedish forms (seed_data/search/swedish-words.txt);
- a word keeps at most MAX_PER_WORD synonyms (more means the word is too vague to expand).

Editors override the result in seed_data/synonyms.yaml (``vardagsord`` adds pairs,
``inte_synonymer`` removes derived ones).
"""
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.search.analysis import STOPWORDS, lexicon, stem  # noqa: E402

SOURCE = Path("/usr/share/mythes/th_sv_SE_v2.dat")  # ISO-8859-1: "word|n" then n "|syn|syn" lines
TARGET = Path(__file__).with_name("thesaurus-sv.txt")
MAX_PER_WORD = 3


def read_entries(path: Path) -> dict[str, set[str]]:
    lines = path.read_text(encoding="latin-1").splitlines()[1:]  # the first line names the charset
    entries: dict[str, set[str]] = defaultdict(set)
    word = None
    for line in lines:
        if not line.startswith("|") and "|" in line:
            word = line.split("|", 1)[0].strip()
        elif word is not None:
            entries[word].update(s.strip() for s in line.split("|")[1:] if s.strip())
    return entries


def usable(word: str) -> bool:
    return word.isalpha() and word.islower() and len(word) >= 4 and word not in STOPWORDS


def main() -> int:
    entries = read_entries(SOURCE)
    known = lexicon()
    pairs: dict[str, set[str]] = defaultdict(set)
    for word, synonyms in entries.items():
        if not usable(word) or not known.knows(word):
            continue
        for other in synonyms:
            if (usable(other) and known.knows(other) and word in entries.get(other, ())
                    and stem(word) != stem(other)):
                pairs[word].add(other)
    lines = [f"{word}\t{' '.join(sorted(others))}" for word, others in sorted(pairs.items())
             if len(others) <= MAX_PER_WORD]
    header = ["# Derived from Debian's mythes-sv (Folkets synonymlexikon) by derive_thesaurus.py;",
              "# licence: thesaurus-sv.LICENSE.txt. word<TAB>synonyms (space-separated). Do not edit:",
              "# change seed_data/synonyms.yaml (vardagsord, inte_synonymer) instead."]
    TARGET.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} words with synonyms -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
