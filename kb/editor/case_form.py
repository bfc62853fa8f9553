"""The case form: posted fields ↔ the import-format dict that :func:`save_case` takes."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from werkzeug.datastructures import MultiDict

from kb.extensions import db
from kb.models import (
    EVIDENCE_LEVELS,
    ORGANISATION_TYPES,
    Article,
    Case,
    County,
    Municipality,
    Organisation,
    Status,
    User,
)
from kb.services.cases import case_to_data
from kb.services.workflow import is_reviewer

ROW_FIELDS = {"contacts": ("name", "role", "email", "public"), "sources": ("title", "url")}
_ROW_KEY = re.compile(r"^(contacts|sources)-(\d{1,3})-(\w+)$")
# Blank rows offered after the filled ones, so the form works without JavaScript.
SPARE_ROWS = 2
# The order in which fields appear in the form (and in the list of errors above it).
FIELD_ORDER = ("title", "slug", "summary", "body", "organisation", "organisation_type", "county",
               "municipalities", "year", "published", "evidence_level", "reviewed", "tags",
               "articles", "contacts", "sources", "status", "_unknown")
FIELD_LABELS = {
    "title": "Rubrik", "slug": "Kortnamn i adressen", "summary": "Sammanfattning",
    "body": "Beskrivning", "organisation": "Organisation", "organisation_type": "Organisationstyp",
    "county": "Län", "municipalities": "Kommuner", "year": "Startår", "published": "Publicerad",
    "evidence_level": "Kunskapsläge", "reviewed": "Senast granskad", "tags": "Taggar",
    "articles": "Barnkonventionens artiklar", "contacts": "Kontakter", "sources": "Källor",
    "status": "Status", "updated": "Senast uppdaterad", "_unknown": "Formuläret",
}


def _rows(form: MultiDict, key: str) -> list[dict[str, str]]:
    """``contacts-0-name`` … → ``[{"name": …, "role": …, "email": …}]`` without blank rows."""
    found: dict[int, dict[str, str]] = {}
    for name, value in form.items(multi=True):
        match = _ROW_KEY.match(name)
        if match and match.group(1) == key and match.group(3) in ROW_FIELDS[key]:
            found.setdefault(int(match.group(2)), {})[match.group(3)] = value
    rows = [{f: found[i].get(f, "") for f in ROW_FIELDS[key]} for i in sorted(found)]
    return [row for row in rows if any(v.strip() for k, v in row.items() if k != "public")]


def form_to_raw(form: MultiDict, case: Case | None, user: User) -> dict[str, Any]:
    """The posted form as the import-format dict; workflow fields the user may not set are kept."""
    current = case_to_data(case) if case is not None else {}
    raw: dict[str, Any] = {
        key: form.get(key, "") for key in (
            "title", "slug", "summary", "organisation", "organisation_type", "county", "year",
            "published", "evidence_level", "tags", "body")
    }
    raw["municipalities"] = form.getlist("municipalities")
    raw["articles"] = form.getlist("articles")
    raw["contacts"] = _rows(form, "contacts")
    raw["sources"] = _rows(form, "sources")
    raw["status"] = current.get("status", Status.DRAFT.value)
    raw["reviewed"] = form.get("reviewed", "") if is_reviewer(user) else current.get("reviewed")
    return raw


def form_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows: a saved case's data or the posted raw dict, as strings."""
    values: dict[str, Any] = {key: ("" if data.get(key) is None else data.get(key)) for key in FIELD_ORDER}
    tags = data.get("tags") or []
    values["tags"] = tags if isinstance(tags, str) else ", ".join(tags)
    values["municipalities"] = [str(m) for m in data.get("municipalities") or []]
    values["articles"] = {str(a) for a in data.get("articles") or []}
    values["body"] = data.get("body") or ""
    for key, fields in ROW_FIELDS.items():
        rows = [r for r in (data.get(key) or []) if isinstance(r, Mapping)]
        values[key] = [{f: r.get(f) or "" for f in fields} for r in rows]
        values[key] += [dict.fromkeys(fields, "") for _ in range(SPARE_ROWS)]
    return values


def draft_key(user_id: int, case_id: int | None) -> str:
    """The browser's key for a draft of the case form: one per editor and case ("new" before
    the case exists), so two editors on one computer, or two cases, never mix."""
    return f"kb-draft:{user_id}:{case_id if case_id is not None else 'new'}"


def sorted_errors(errors: Mapping[str, str]) -> list[tuple[str, str, str]]:
    """``(field, label, message)`` in the order the fields appear on the page."""
    order = {key: i for i, key in enumerate(FIELD_ORDER)}
    return [(key, FIELD_LABELS.get(key, key), errors[key])
            for key in sorted(errors, key=lambda k: order.get(k, len(order)))]


def reference_choices() -> dict[str, Any]:
    """Counties, municipalities by county, articles and known organisations for the pickers.

    Plain rows of the columns the form shows, not ORM objects: the form is opened before
    every edit, and loading ~300 entities for it cost more than rendering it.
    """
    counties = db.session.execute(db.select(County.code, County.name).order_by(County.name)).all()
    municipalities = db.session.execute(
        db.select(Municipality.name, Municipality.county_code).order_by(Municipality.name)
    ).all()
    by_county: dict[str, list[Any]] = {}
    for municipality in municipalities:
        by_county.setdefault(municipality.county_code, []).append(municipality)
    return {
        "counties": counties,
        "municipalities_by_county": [(c, by_county.get(c.code, [])) for c in counties],
        "articles": db.session.execute(
            db.select(Article.number, Article.title).order_by(Article.number)).all(),
        "organisations": db.session.execute(
            db.select(Organisation.name).order_by(Organisation.name)
        ).scalars().all(),
        "organisation_types": ORGANISATION_TYPES,
        "evidence_levels": EVIDENCE_LEVELS,
    }
