"""The filters of case lists and searches, read once from a query string.

``/sok``, ``/api/v1/search``, ``/api/v1/cases`` and the search feed take the same filters
(``tag``, ``county``, ``organisation_type``, ``article``, ``year_from``, ``year_to``) and
check them here, with the same Swedish messages. A value that cannot be right raises
:class:`FilterError`; each caller answers it its own way (the page shows the message beside
the form, the API returns it as JSON).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kb.models.case import ORGANISATION_TYPES

ARTICLES = (1, 54)
YEARS = (1900, 2100)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class FilterError(ValueError):
    """A parameter the user can fix: ``name`` is the parameter, ``message`` is Swedish."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass(frozen=True)
class Filters:
    """All the tags and articles, any of the counties and organisation types, a year range."""

    tags: tuple[str, ...] = ()
    counties: tuple[str, ...] = ()
    organisation_types: tuple[str, ...] = ()
    articles: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None

    @property
    def any(self) -> bool:
        return bool(self.tags or self.counties or self.organisation_types or self.articles
                    or self.year_from or self.year_to)


def clean(text: str) -> str:
    """What a user typed, as text: control and format characters dropped, white space
    collapsed (Unicode NFC)."""
    text = _CONTROL.sub(" ", unicodedata.normalize("NFC", text))
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cs", "Co"))
    return " ".join(text.split())


def integer(args: Mapping[str, Any], name: str, low: int, high: int,
            message: str | None = None) -> int | None:
    """``args[name]`` as a whole number from ``low`` to ``high``; None when absent or blank."""
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise FilterError(name, message or f"Parametern {name} ska vara ett heltal från {low} till {high}.")
    return value


def _values(args: Any, name: str) -> tuple[str, ...]:
    """The non-blank values of ``name``, cleaned, each once, in order."""
    values = args.getlist(name) if hasattr(args, "getlist") else [args.get(name)]
    return tuple(dict.fromkeys(c for c in (clean(v) for v in values if v) if c))


def parse_filters(args: Any) -> Filters:
    """Read and check the filters in ``args`` (a ``MultiDict`` such as ``request.args``)."""
    kinds = _values(args, "organisation_type")
    unknown = [kind for kind in kinds if kind not in ORGANISATION_TYPES]
    if unknown:
        raise FilterError("organisation_type", f"Okänd organisationstyp ”{unknown[0]}” (organisation_type). "
                                               f"Giltiga: {', '.join(ORGANISATION_TYPES)}.")
    articles = []
    for raw in _values(args, "article"):
        number = integer({"article": raw}, "article", *ARTICLES,
                         f"Artikel (article) ska vara ett nummer från {ARTICLES[0]} till {ARTICLES[1]}.")
        if number is not None:
            articles.append(number)
    years = f"ska vara ett årtal från {YEARS[0]} till {YEARS[1]}."
    year_from = integer(args, "year_from", *YEARS, "Startåret (year_from) " + years)
    year_to = integer(args, "year_to", *YEARS, "Slutåret (year_to) " + years)
    if year_from and year_to and year_from > year_to:
        raise FilterError("year_to", "Slutåret (year_to) kan inte vara före startåret (year_from).")
    return Filters(tags=_values(args, "tag"), counties=_values(args, "county"), organisation_types=kinds,
                   articles=tuple(dict.fromkeys(articles)), year_from=year_from, year_to=year_to)
