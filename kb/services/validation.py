"""Checks a case's fields (from a file, a form or the API) and returns them cleaned.

Every message is Swedish and names the field, so both the importer and the editor form can
show it next to what the user wrote.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from kb.emails import is_valid_email
from kb.extensions import db
from kb.markup import MAX_SOURCE_LENGTH, markdown_problem
from kb.models import EVIDENCE_LEVELS, ORGANISATION_TYPES, Article, County, Municipality, Status
from kb.slugs import is_valid_slug, slugify

FIELDS = (
    "title", "slug", "summary", "organisation", "organisation_type", "county",
    "municipalities", "year", "published", "tags", "articles", "contacts", "sources",
    "evidence_level", "reviewed", "status", "updated",
)
REQUIRED = ("title", "summary", "organisation", "organisation_type")
ORGANISATION_NAME_MAX = 200
# How many entries a list field may hold (municipalities: every one in Sweden).
MAX_ITEMS = {"municipalities": 300, "tags": 30, "articles": 54, "contacts": 20, "sources": 50}
_SPACE = re.compile(r"\s+")
# Control characters other than tab and newline never belong in a case.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class CaseValidationError(ValueError):
    """Field → Swedish message for everything wrong with a case."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def clean_text(value: Any, *, multiline: bool = False) -> str:
    """Strip control characters; single-line fields also get their white space folded."""
    text = _CONTROL.sub("", str(value)) if value is not None else ""
    return text.strip() if multiline else _SPACE.sub(" ", text).strip()


def normalise_tag(name: str) -> str:
    return clean_text(name).lower()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value).strip())


def _string_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [v for v in (clean_text(p) for p in value.split(",")) if v]
    if not isinstance(value, list):
        raise ValueError("ska vara en lista")
    return [v for v in (clean_text(p) for p in value) if v]


@dataclass(frozen=True)
class Reference:
    """The reference rows by name, read once for a batch of cases (an import)."""

    counties: dict[str, County]
    municipalities: dict[str, Municipality]
    articles: dict[int, Article]

    @classmethod
    def load(cls) -> Reference:
        return cls(
            {c.name: c for c in db.session.scalars(db.select(County))},
            {m.name: m for m in db.session.scalars(db.select(Municipality))},
            {a.number: a for a in db.session.scalars(db.select(Article))},
        )


class _Checker:
    def __init__(self, raw: Mapping[str, Any], reference: Reference | None) -> None:
        self.raw = raw
        self.reference = reference
        self.errors: dict[str, str] = {}
        self.out: dict[str, Any] = {}

    def text(self, key: str, max_length: int, *, multiline: bool = False) -> None:
        raw = self.raw.get(key)
        if isinstance(raw, str) and len(raw) > 2 * max_length:  # refused before it is parsed
            self.errors[key] = f"Högst {max_length} tecken (nu {len(raw)})."
            self.out[key] = raw
            return
        value = clean_text(raw, multiline=multiline)
        if key in REQUIRED and not value:
            self.errors[key] = "Fältet måste fyllas i."
        elif len(value) > max_length:
            self.errors[key] = f"Högst {max_length} tecken (nu {len(value)})."
        self.out[key] = value

    def choice(self, key: str, choices: tuple[str, ...], default: str | None = None) -> None:
        value = clean_text(self.raw.get(key)).lower() or default
        if value is None and key not in REQUIRED:
            self.out[key] = None
        elif value not in choices:
            shown = ", ".join(choices)
            self.errors[key] = (
                "Fältet måste fyllas i." if not value else f"Okänt värde ”{value}”. Välj något av: {shown}."
            )
            self.out[key] = value
        else:
            self.out[key] = value

    def date(self, key: str) -> None:
        value = self.raw.get(key)
        if value in (None, ""):
            self.out[key] = None
            return
        try:
            self.out[key] = _date(value)
        except ValueError:
            self.errors[key] = f"Ogiltigt datum ”{value}”; skriv ÅÅÅÅ-MM-DD."
            self.out[key] = value

    def year(self) -> None:
        value = self.raw.get("year")
        if value in (None, ""):
            self.out["year"] = None
            return
        try:
            year = int(str(value).strip())
        except ValueError:
            self.errors["year"] = f"Ogiltigt årtal ”{value}”."
            self.out["year"] = value
            return
        if not 1900 <= year <= dt.date.today().year + 1:
            self.errors["year"] = f"Årtalet {year} är inte rimligt."
        self.out["year"] = year


def validate_case_data(raw: Mapping[str, Any], reference: Reference | None = None) -> dict[str, Any]:
    """Return the cleaned fields of a case or raise :class:`CaseValidationError`.

    ``reference`` saves the county and municipality look-ups when many cases are checked.
    """
    unknown = sorted(set(raw) - set(FIELDS) - {"body"})
    c = _Checker(raw, reference)
    if unknown:
        c.errors["_unknown"] = "Okända fält: " + ", ".join(unknown) + "."
    c.text("title", 200)
    c.text("summary", 1000)
    c.text("organisation", ORGANISATION_NAME_MAX)
    c.text("body", MAX_SOURCE_LENGTH, multiline=True)
    if "body" not in c.errors and (problem := markdown_problem(c.out["body"])):
        c.errors["body"] = problem
    c.choice("organisation_type", ORGANISATION_TYPES)
    c.choice("evidence_level", EVIDENCE_LEVELS)
    c.choice("status", tuple(Status), default=Status.PUBLISHED.value)
    c.date("published")
    c.date("reviewed")
    c.date("updated")
    c.year()
    _check_slug(c)
    _check_county(c)
    _check_municipalities(c)
    _check_tags(c)
    _check_articles(c)
    _check_contacts(c)
    _check_sources(c)
    _check_counts(c)
    if c.errors:
        raise CaseValidationError(c.errors)
    return c.out


def _check_counts(c: _Checker) -> None:
    for key, most in MAX_ITEMS.items():
        value = c.out.get(key)
        if key not in c.errors and isinstance(value, list) and len(value) > most:
            c.errors[key] = f"Högst {most} st. (nu {len(value)})."


def _check_slug(c: _Checker) -> None:
    slug = clean_text(c.raw.get("slug")).lower()
    if slug and not is_valid_slug(slug):
        c.errors["slug"] = "Kortnamnet får bara innehålla a–z, 0–9 och bindestreck."
    elif slug.isdigit():  # /exempel/<n> is the short link of case number n
        c.errors["slug"] = ("Kortnamnet får inte bara vara siffror: /exempel/123 är den korta "
                            "länken till exempel nummer 123. Lägg till ett ord.")
    derived = slugify(c.out.get("title") or "")
    c.out["slug"] = slug or (f"exempel-{derived}" if derived.isdigit() else derived)


def _check_county(c: _Checker) -> None:
    name = clean_text(c.raw.get("county"))
    if not name:
        c.out["county"] = None
        return
    if c.reference is not None:
        known = name in c.reference.counties
    else:
        known = db.session.execute(db.select(County.code).filter_by(name=name)).first() is not None
    if not known:
        c.errors["county"] = f"Okänt län ”{name}”; skriv länets fullständiga namn, t.ex. ”Skåne län”."
    c.out["county"] = name


def _check_municipalities(c: _Checker) -> None:
    try:
        names = _string_list(c.raw.get("municipalities"))
    except ValueError:
        c.errors["municipalities"] = "Kommunerna ska anges som en lista."
        c.out["municipalities"] = c.raw.get("municipalities")
        return
    names = [re.sub(r"\s+kommun$", "", n, flags=re.I) for n in names]
    known: Collection[str]
    if c.reference is not None:
        known = c.reference.municipalities.keys()
    else:
        known = set(db.session.execute(
            db.select(Municipality.name).where(Municipality.name.in_(names))
        ).scalars()) if names else set()
    unknown = [n for n in names if n not in known]
    if unknown:
        c.errors["municipalities"] = "Okänd kommun: " + ", ".join(f"”{n}”" for n in unknown) + "."
    c.out["municipalities"] = list(dict.fromkeys(names))


def _check_tags(c: _Checker) -> None:
    try:
        tags = [normalise_tag(t) for t in _string_list(c.raw.get("tags"))]
    except ValueError:
        c.errors["tags"] = "Taggarna ska anges som en lista."
        c.out["tags"] = c.raw.get("tags")
        return
    too_long = [t for t in tags if len(t) > 80 or not slugify(t)]
    if too_long:
        c.errors["tags"] = "Ogiltig tagg: " + ", ".join(f"”{t[:40]}”" for t in too_long) + "."
    c.out["tags"] = list(dict.fromkeys(tags))


def _check_articles(c: _Checker) -> None:
    raw = c.raw.get("articles")
    values = raw if isinstance(raw, list) else _string_list(raw) if isinstance(raw, str) else raw
    if values is None:
        c.out["articles"] = []
        return
    numbers: list[int] = []
    try:
        for value in values:
            number = int(str(value).strip())
            if not 1 <= number <= 54:
                raise ValueError
            numbers.append(number)
    except (TypeError, ValueError):
        c.errors["articles"] = "Artiklar anges som nummer mellan 1 och 54."
        c.out["articles"] = raw
        return
    c.out["articles"] = sorted(set(numbers))


def _records(c: _Checker, key: str, keys: tuple[str, ...]) -> list[dict[str, str]] | None:
    raw = c.raw.get(key)
    if raw in (None, ""):
        return []
    if not isinstance(raw, list) or not all(isinstance(r, Mapping) for r in raw):
        c.errors[key] = f"Ska vara en lista med fälten {', '.join(keys)}."
        c.out[key] = raw
        return None
    for row in raw:
        extra = set(row) - set(keys)
        if extra:
            c.errors[key] = "Okända fält: " + ", ".join(sorted(map(str, extra))) + "."
            c.out[key] = raw
            return None
    rows = [{k: clean_text(row.get(k)) for k in keys} for row in raw]
    return [r for r in rows if any(v for k, v in r.items() if k != "public")]


_YES = frozenset({"true", "ja", "yes", "1", "on", "y"})


def _check_contacts(c: _Checker) -> None:
    rows = _records(c, "contacts", ("name", "role", "email", "public"))
    if rows is None:
        return
    for row in rows:
        row["public"] = row["public"].lower() in _YES  # type: ignore[assignment]
        if row["email"] and not is_valid_email(row["email"]):
            c.errors["contacts"] = f"Ogiltig e-postadress ”{row['email'][:80]}”."
        elif not (row["name"] or row["role"]):
            c.errors["contacts"] = "En kontakt behöver ett namn eller en roll."
        elif any(isinstance(v, str) and len(v) > 200 for v in row.values()):
            c.errors["contacts"] = "Högst 200 tecken per uppgift."
    c.out["contacts"] = rows


def _check_sources(c: _Checker) -> None:
    rows = _records(c, "sources", ("title", "url"))
    if rows is None:
        return
    for row in rows:
        if not row["title"]:
            c.errors["sources"] = "Varje källa behöver en titel."
        elif row["url"] and not re.match(r"^https?://[^\s]+$", row["url"]):
            c.errors["sources"] = f"Länken ”{row['url'][:80]}” måste börja med http:// eller https://."
        elif len(row["title"]) > 300 or len(row["url"]) > 2000:
            c.errors["sources"] = "Källans titel eller länk är för lång."
    c.out["sources"] = rows
