"""How to cite a case: a Swedish reference line, RIS (Zotero, EndNote) and BibTeX."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from kb.templating import swedish_date


@dataclass(frozen=True)
class Citation:
    """The parts of a reference to one version of a case."""

    organisation: str
    title: str
    year: int
    site: str
    url: str
    version: int
    read_on: dt.date

    @property
    def text(self) -> str:
        """``Åmåls kommun (2023). Titel. Kunskapsbanken, version 3. URL (hämtad 1 maj 2026).``"""
        title = self.title if self.title.endswith(("?", "!", ".")) else self.title + "."
        return (f"{self.organisation} ({self.year}). {title} {self.site}, version {self.version}. "
                f"{self.url} (hämtad {swedish_date(self.read_on)}).")

    def ris(self) -> str:
        lines = [
            ("TY", "ELEC"), ("AU", self.organisation), ("TI", self.title), ("PY", str(self.year)),
            ("PB", self.site), ("T2", self.site), ("UR", self.url), ("ET", f"version {self.version}"),
            ("Y2", self.read_on.isoformat()), ("LA", "sv"), ("ER", ""),
        ]
        return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)

    def bibtex(self, key: str) -> str:
        fields = {
            "author": "{" + self.organisation + "}", "title": self.title, "year": str(self.year),
            "publisher": self.site, "howpublished": self.site, "url": self.url,
            "version": str(self.version), "urldate": self.read_on.isoformat(), "language": "swedish",
        }
        body = ",\n".join(f"  {name} = {{{value if name == 'url' else _bibtex_escape(value)}}}"
                           for name, value in fields.items())
        return f"@misc{{{re.sub(r'[^A-Za-z0-9_-]', '', key) or 'kunskapsbanken'},\n{body}\n}}\n"


def _bibtex_escape(value: str) -> str:
    """Keep braces balanced and escape the characters BibTeX treats specially."""
    if value.startswith("{") and value.endswith("}"):
        return "{" + _bibtex_escape(value[1:-1]) + "}"
    return re.sub(r"([{}%&$#_\\])", r"\\\1", value)


def citation_year(published: dt.date | None, updated: dt.datetime | dt.date | None) -> int:
    """The year the text came out in Kunskapsbanken (its last change when never published)."""
    if published is not None:
        return published.year
    return (updated or dt.date.today()).year
