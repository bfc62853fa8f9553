"""Derive swedish-words.txt from Debian's ``wswedish`` word list (run once, commit the result).

    apt-get install wswedish && python seed_data/search/derive_wordlist.py

Keeps lower-case entries (no names or places) of 3+ letters, UTF-8, sorted: the
decompounder's dictionary of known Swedish word forms.
"""
import re
import sys
from pathlib import Path

SOURCE = Path("/usr/share/dict/swedish")  # ISO-8859-1, one word per line
TARGET = Path(__file__).with_name("swedish-words.txt")
WORD = re.compile(r"^[a-zåäöéü]{3,}$")


def main() -> int:
    words = {w for w in SOURCE.read_text(encoding="latin-1").split() if WORD.match(w)}
    TARGET.write_text("\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words -> {TARGET}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
