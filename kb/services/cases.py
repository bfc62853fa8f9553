"""Creating, changing and removing cases. Every change records a revision and an index change."""
from __future__ import annotations

import datetime as dt
from typing import Any

from kb.extensions import db
from kb.markup import render_markdown
from kb.models import (
    Article,
    Case,
    Contact,
    County,
    IndexChange,
    Municipality,
    Organisation,
    Revision,
    SlugRedirect,
    Source,
    Status,
    Tag,
    User,
    utcnow,
)
from kb.services.validation import FIELDS, CaseValidationError, validate_case_data
from kb.slugs import slugify


class VersionConflict(Exception):
    """Someone else saved the case after the editor opened it."""

    def __init__(self, case: Case, expected: int) -> None:
        super().__init__(f"case {case.slug} is at version {case.version}, not {expected}")
        self.case = case
        self.expected = expected


def case_to_data(case: Case) -> dict[str, Any]:
    """The case in the import/export format (front-matter keys plus ``body``)."""
    return {
        "title": case.title,
        "slug": case.slug,
        "summary": case.summary,
        "organisation": case.organisation.name,
        "organisation_type": case.organisation.organisation_type,
        "county": case.county.name if case.county else None,
        "municipalities": [m.name for m in case.municipalities],
        "year": case.year,
        "published": case.published.isoformat() if case.published else None,
        "tags": [t.name for t in case.tags],
        "articles": [a.number for a in case.articles],
        "contacts": [{"name": c.name or "", "role": c.role or "", "email": c.email or ""}
                     for c in case.contacts],
        "sources": [{"title": s.title, "url": s.url or ""} for s in case.sources],
        "evidence_level": case.evidence_level,
        "reviewed": case.reviewed.isoformat() if case.reviewed else None,
        "status": case.status,
        "body": case.body,
    }


def find_case(slug: str) -> Case | None:
    return db.session.execute(db.select(Case).filter_by(slug=slug)).scalar_one_or_none()


def unique_slug(base: str, case_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever no other case uses."""
    base = base or "exempel"
    candidate, n = base, 1
    while True:
        owner = db.session.execute(
            db.select(Case.id).filter_by(slug=candidate)
        ).scalar_one_or_none()
        if owner is None or owner == case_id:
            return candidate
        n += 1
        candidate = f"{base}-{n}"


def save_case(
    raw: dict[str, Any],
    *,
    case: Case | None = None,
    user: User | None = None,
    message: str = "",
    expected_version: int | None = None,
) -> Case:
    """Create ``case`` (when None) or update it from ``raw``; flushes, never commits.

    Raises :class:`CaseValidationError` or :class:`VersionConflict`.
    """
    data = validate_case_data(raw)
    if case is not None and expected_version is not None and case.version != expected_version:
        raise VersionConflict(case, expected_version)
    if case is None:
        case = Case(created_by_id=user.id if user else None, version=0)
        data["slug"] = unique_slug(data["slug"])
    else:
        _rename(case, data["slug"])
    before = case_to_data(case) if case.id else None
    with db.session.no_autoflush:
        _apply(case, data)
    db.session.add(case)
    after = case_to_data(case)
    if after == before:
        return case  # nothing changed: no new version, revision or index work
    case.version = (case.version or 0) + 1
    case.updated_at = utcnow()
    db.session.flush()
    record_revision(case, user, message)
    record_index_change(case.id)
    return case


def _rename(case: Case, new_slug: str) -> None:
    if new_slug == case.slug:
        return
    if unique_slug(new_slug, case.id) != new_slug:
        raise CaseValidationError({"slug": f"Kortnamnet ”{new_slug}” används redan av ett annat exempel."})
    stale = db.session.get(SlugRedirect, new_slug)
    if stale is not None:
        db.session.delete(stale)
    db.session.add(SlugRedirect(old_slug=case.slug, case_id=case.id))
    db.session.flush()


def _apply(case: Case, data: dict[str, Any]) -> None:
    case.slug = data["slug"]
    case.title = data["title"]
    case.summary = data["summary"]
    if data["body"] != case.body or not case.body_html:
        case.body = data["body"]
        case.body_html = render_markdown(data["body"])
    case.organisation = _organisation(data["organisation"], data["organisation_type"])
    case.county = (
        db.session.execute(db.select(County).filter_by(name=data["county"])).scalar_one()
        if data["county"] else None
    )
    case.municipalities = list(db.session.execute(
        db.select(Municipality).where(Municipality.name.in_(data["municipalities"]))
        .order_by(Municipality.name)
    ).scalars())
    case.year = data["year"]
    case.published = data["published"]
    case.tags = sorted((_tag(name) for name in data["tags"]), key=lambda t: t.name)
    case.articles = [db.session.get(Article, n) for n in data["articles"]]
    _replace_children(case, data)
    case.evidence_level = data["evidence_level"]
    case.reviewed = data["reviewed"]
    case.status = data["status"]


def _replace_children(case: Case, data: dict[str, Any]) -> None:
    """Replace contacts and sources only when they differ, so unchanged saves stay clean."""
    contacts = [(c.name or "", c.role or "", c.email or "") for c in case.contacts]
    if contacts != [(r["name"], r["role"], r["email"]) for r in data["contacts"]]:
        case.contacts = [
            Contact(position=i, name=r["name"] or None, role=r["role"] or None,
                    email=r["email"] or None)
            for i, r in enumerate(data["contacts"])
        ]
    sources = [(s.title, s.url or "") for s in case.sources]
    if sources != [(r["title"], r["url"]) for r in data["sources"]]:
        case.sources = [Source(position=i, title=r["title"], url=r["url"] or None)
                        for i, r in enumerate(data["sources"])]


def _organisation(name: str, organisation_type: str) -> Organisation:
    org = db.session.execute(db.select(Organisation).filter_by(name=name)).scalar_one_or_none()
    if org is None:
        org = Organisation(name=name, organisation_type=organisation_type)
        db.session.add(org)
    org.organisation_type = organisation_type
    return org


def _tag(name: str) -> Tag:
    tag = db.session.execute(db.select(Tag).filter_by(name=name)).scalar_one_or_none()
    if tag is None:
        slug, n = slugify(name), 1
        while db.session.execute(db.select(Tag.id).filter_by(slug=slug)).first():
            n += 1
            slug = f"{slugify(name)}-{n}"
        tag = Tag(name=name, slug=slug)
        db.session.add(tag)
        db.session.flush()
    return tag


def record_revision(case: Case, user: User | None, message: str = "") -> Revision:
    revision = Revision(
        case_id=case.id, number=case.version, user_id=user.id if user else None,
        message=message[:300], data=case_to_data(case),
    )
    db.session.add(revision)
    return revision


def record_index_change(case_id: int) -> None:
    """Tell every search index that this case changed; committed with the change itself."""
    db.session.add(IndexChange(case_id=case_id))


def set_status(case: Case, status: Status, user: User | None, message: str = "") -> Case:
    """Move a case through the workflow (the caller checks the user may)."""
    data = case_to_data(case)
    data["status"] = status.value
    if status == Status.PUBLISHED and not case.published:
        data["published"] = dt.date.today().isoformat()
    return save_case(data, case=case, user=user, message=message)


def delete_case(case: Case) -> None:
    case_id = case.id
    db.session.delete(case)
    db.session.flush()
    record_index_change(case_id)


__all__ = [
    "FIELDS",
    "CaseValidationError",
    "VersionConflict",
    "case_to_data",
    "delete_case",
    "find_case",
    "record_index_change",
    "record_revision",
    "save_case",
    "set_status",
    "unique_slug",
]
