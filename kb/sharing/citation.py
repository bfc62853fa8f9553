"""How to cite a case: a Swedish reference line, RIS (Zotero, EndNote) and BibTeX."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from flask import current_app

from kb.dates import swedish_date
from kb.models import Case
from kb.urls import absolute_url


@dataclass(frozen=True)
class Citation:
    """The parts of a reference to one version of a case."""

    organisation: str
    title: str
    year: int | None  # the publication year; None: not known ("u.å.", utan år)
    site: str
    url: str
    version: int
    read_on: dt.date

    @property
    def text(self) -> str:
        """``Åmåls kommun (2023). Titel. Kunskapsbanken, version 3. URL (hämtad 1 maj 2026).``"""
        title = self.title if self.title.endswith(("?", "!", ".")) else self.title + "."
        return (f"{self.organisation} ({self.year or 'u.å.'}). {title} {self.site}, version {self.version}. "
                f"{self.url} (hämtad {swedish_date(self.read_on)}).")

    def ris(self) -> str:
        lines = [
            ("TY", "ELEC"), ("AU", self.organisation), ("TI", self.title),
            *([("PY", str(self.year))] if self.year else []),
            ("PB", self.site), ("T2", self.site), ("UR", self.url), ("ET", f"version {self.version}"),
            ("Y2", self.read_on.isoformat()), ("LA", "sv"), ("ER", ""),
        ]
        return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)

    def bibtex(self, key: str) -> str:
        fields = {
            "author": "{" + self.organisation + "}", "title": self.title,
            **({"year": str(self.year)} if self.year else {}),
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


def citation_year(published: dt.date | None) -> int | None:
    """The publication year; not the year of a later change or of an import (a case
    without a publication date is cited "u.å.", as Swedish references do)."""
    return published.year if published is not None else None


def case_citation(case: Case, version: int | None = None, saved: dt.datetime | None = None,
                  data: dict[str, Any] | None = None) -> Citation:
    """The reference to ``case`` as shown (its current version unless ``version`` is given)."""
    data = data or {}
    published = dt.date.fromisoformat(data["published"]) if data.get("published") else case.published
    number = version or case.version
    return Citation(
        organisation=data.get("organisation") or case.organisation.name,
        title=data.get("title") or case.title,
        year=citation_year(published),
        site=current_app.config["SITE_NAME"],
        url=absolute_url("sharing.revision", slug=case.slug, number=number),
        version=number,
        read_on=dt.date.today(),
    )
