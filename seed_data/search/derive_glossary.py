"""Derive glossary-en-sv.tsv from Debian's ``dict-freedict-eng-swe`` (run once, commit the result).

    apt-get install dict-freedict-eng-swe && python seed_data/search/derive_glossary.py

FreeDict's English-Swedish dictionary (GPL-2+, see glossary-en-sv.LICENSE.txt) in dictd
format: an index of (headword, base64 offset, base64 length) and a gzip'd text of entries,
"headword /ipa/" then numbered senses of comma-separated Swedish words. Kept: lower-case
English headwords of 3+ letters and their first three Swedish translations that are known
Swedish word forms (seed_data/search/swedish-words.txt), so a query never turns into noise.
The field's own terms are in glossary-field.yaml (written by hand, editors may change it).
"""
import gzip
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from kb.search.analysis import lexicon  # noqa: E402

INDEX = Path("/usr/share/dictd/freedict-eng-swe.index")
DICT = Path("/usr/share/dictd/freedict-eng-swe.dict.dz")
TARGET = Path(__file__).with_name("glossary-en-sv.tsv")
B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
MAX_TRANSLATIONS = 3


def b64(text: str) -> int:
    number = 0
    for char in text:
        number = number * 64 + B64.index(char)
    return number


def translations(entry: str) -> list[str]:
    senses = entry.split("\n")[1:]
    words: list[str] = []
    for sense in senses:
        sense = re.sub(r"^\s*\d+\.\s*", "", sense)
        words += [w.strip().lower() for w in sense.split(",") if w.strip()]
    return list(dict.fromkeys(words))


def main() -> int:
    data = gzip.decompress(DICT.read_bytes())
    known = lexicon()
    rows = []
    for line in INDEX.read_text(encoding="utf-8").splitlines():
        head, offset, length = line.split("\t")
        if head.startswith("00") or not re.fullmatch(r"[a-z]{3,}", head):
            continue
        entry = data[b64(offset):b64(offset) + b64(length)].decode("utf-8")
        swedish = [w for w in translations(entry)
                   if all(known.knows(part) for part in w.split())][:MAX_TRANSLATIONS]
        if swedish:
            rows.append(f"{head}\t{'|'.join(swedish)}")
    header = ["# Derived from Debian's dict-freedict-eng-swe by derive_glossary.py; licence:",
              "# glossary-en-sv.LICENSE.txt (GPL-2+). english<TAB>swedish|swedish. Do not edit:",
              "# add the field's terms to glossary-field.yaml instead."]
    TARGET.write_text("\n".join(header + sorted(set(rows))) + "\n", encoding="utf-8")
    print(f"{len(rows)} English words -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
