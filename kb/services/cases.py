"""Creating, changing and removing cases. Every change records a revision and an index change."""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kb.dates import utcnow
from kb.extensions import db
from kb.markup import render_markdown
from kb.models import (
    Article,
    Case,
    CaseEvent,
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
)
from kb.services.validation import FIELDS, CaseValidationError, Reference, validate_case_data
from kb.slugs import slugify

T = TypeVar("T")


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
        "contacts": [{"name": c.name or "", "role": c.role or "", "email": c.email or "",
                      **({"public": True} if c.public else {})} for c in case.contacts],
        "sources": [{"title": s.title, "url": s.url or ""} for s in case.sources],
        "evidence_level": case.evidence_level,
        "reviewed": case.reviewed.isoformat() if case.reviewed else None,
        "status": case.status,
        "updated": case.content_updated.isoformat() if case.content_updated else None,
        "body": case.body,
    }


# Workflow state and derived dates: a change to these alone is not a content change.
NOT_CONTENT = ("status", "reviewed", "published", "updated")


def _content(data: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if data is None else {k: v for k, v in data.items() if k not in NOT_CONTENT}


def find_case(slug: str) -> Case | None:
    return db.session.execute(db.select(Case).filter_by(slug=slug)).scalar_one_or_none()


@dataclass
class Lookups:
    """Rows read once for many saves in one transaction (an import of thousands of cases):
    the reference data, organisations and tags by name, and slugs known to be free.

    Only valid inside the transaction that loaded it (tags and organisations created by
    it vanish on rollback).
    """

    reference: Reference
    organisations: dict[str, Organisation] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)
    free_slugs: set[str] = field(default_factory=set)
    rendered: dict[str, str] = field(default_factory=dict)  # body → HTML, rendered ahead

    @classmethod
    def load(cls) -> Lookups:
        return cls(
            Reference.load(),
            {o.name: o for o in db.session.scalars(db.select(Organisation))},
            {t.name: t for t in db.session.scalars(db.select(Tag))},
        )


@dataclass
class Staged:
    """A case changed in the session but not flushed, with its revision's snapshot."""

    case: Case
    data: dict[str, Any]
    message: str = ""


def unique_slug(base: str, case_id: int | None = None, lookups: Lookups | None = None) -> str:
    """``base``, or ``base-2``, ``base-3`` … whichever no other case uses."""
    base = base or "exempel"
    if lookups is not None and base in lookups.free_slugs:
        lookups.free_slugs.discard(base)  # taken by the case being saved
        return base
    candidate, n = base, 1
    while True:
        owner = db.session.execute(
            db.select(Case.id).filter_by(slug=candidate)
        ).scalar_one_or_none()
        if owner is None or owner == case_id:
            if lookups is not None:
                lookups.free_slugs.discard(candidate)
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
    dated_by_file: bool = False,
) -> Case:
    """Create ``case`` (when None) or update it from ``raw``; flushes, never commits.

    Raises :class:`CaseValidationError` or :class:`VersionConflict`.
    """
    staged = stage_case(raw, case=case, user=user, message=message,
                        expected_version=expected_version, dated_by_file=dated_by_file)
    if staged is None:
        return case  # type: ignore[return-value]  # unchanged, so it existed
    db.session.flush()
    record_saves([staged], user)
    return staged.case


def stage_case(
    raw: dict[str, Any],
    *,
    case: Case | None = None,
    user: User | None = None,
    message: str = "",
    expected_version: int | None = None,
    lookups: Lookups | None = None,
    dated_by_file: bool = False,
) -> Staged | None:
    """Validate ``raw`` and apply it to ``case`` (a new one when None) without flushing.

    Returns None when nothing changed (no new version, revision or index work). The
    caller flushes, then passes what it staged to :func:`record_saves`. Raises
    :class:`CaseValidationError` or :class:`VersionConflict`.

    "Senast uppdaterad" (``content_updated``) becomes today when an editor changes the
    content; an import (``dated_by_file``) takes the file's ``updated``, else ``published``.
    """
    data = validate_case_data(raw, lookups.reference if lookups else None)
    if case is not None and expected_version is not None and case.version != expected_version:
        raise VersionConflict(case, expected_version)
    if case is None:
        case = Case(created_by_id=user.id if user else None, version=0)
        data["slug"] = unique_slug(data["slug"], lookups=lookups)
    else:
        _rename(case, data["slug"])
    before = case_to_data(case) if case.id else None
    with db.session.no_autoflush:
        _apply(case, data, lookups)
    db.session.add(case)
    if dated_by_file:
        case.content_updated = data["updated"] or data["published"] or case.content_updated \
            or dt.date.today()
    elif _content(case_to_data(case)) != _content(before) or case.content_updated is None:
        case.content_updated = dt.date.today()
    after = case_to_data(case)
    if after == before:
        return None
    case.version = (case.version or 0) + 1
    case.updated_at = utcnow()
    return Staged(case, after, message)


def record_saves(staged: list[Staged], user: User | None) -> None:
    """The revisions and index changes of flushed saves (two multi-row inserts)."""
    if not staged:
        return
    user_id = user.id if user else None
    db.session.execute(db.insert(Revision), [
        {"case_id": s.case.id, "number": s.case.version, "user_id": user_id,
         "message": s.message[:300], "data": s.data, "body_html": s.case.body_html} for s in staged])
    db.session.execute(db.insert(IndexChange), [{"case_id": s.case.id} for s in staged])


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


def _apply(case: Case, data: dict[str, Any], lookups: Lookups | None) -> None:
    case.slug = data["slug"]
    case.title = data["title"]
    case.summary = data["summary"]
    if data["body"] != case.body or not case.body_html:
        case.body = data["body"]
        ahead = lookups.rendered.get(data["body"]) if lookups else None
        case.body_html = ahead if ahead is not None else render_markdown(data["body"])
    case.organisation = _organisation(data["organisation"], data["organisation_type"], lookups)
    if lookups is not None:
        ref = lookups.reference
        case.county = ref.counties[data["county"]] if data["county"] else None
        case.articles = [ref.articles[n] for n in data["articles"]]
    else:
        case.county = (
            db.session.execute(db.select(County).filter_by(name=data["county"])).scalar_one()
            if data["county"] else None
        )
        case.articles = [db.session.get_one(Article, n) for n in data["articles"]]
    names = data["municipalities"]
    if lookups is not None and len(names) < 2:  # nothing to order
        case.municipalities = [lookups.reference.municipalities[n] for n in names]
    else:  # in the database's collation, as the relationship loads them
        case.municipalities = list(db.session.execute(
            db.select(Municipality).where(Municipality.name.in_(names)).order_by(Municipality.name)
        ).scalars())
    case.year = data["year"]
    case.published = data["published"]
    case.tags = sorted((_tag(name, lookups) for name in data["tags"]), key=lambda t: t.name)
    _replace_children(case, data)
    case.evidence_level = data["evidence_level"]
    case.reviewed = data["reviewed"]
    case.status = data["status"]


def _replace_children(case: Case, data: dict[str, Any]) -> None:
    """Replace contacts and sources only when they differ, so unchanged saves stay clean."""
    contacts = [(c.name or "", c.role or "", c.email or "", bool(c.public)) for c in case.contacts]
    if contacts != [(r["name"], r["role"], r["email"], bool(r.get("public"))) for r in data["contacts"]]:
        case.contacts = [
            Contact(position=i, name=r["name"] or None, role=r["role"] or None,
                    email=r["email"] or None, public=bool(r.get("public")))
            for i, r in enumerate(data["contacts"])
        ]
    sources = [(s.title, s.url or "") for s in case.sources]
    if sources != [(r["title"], r["url"]) for r in data["sources"]]:
        case.sources = [Source(position=i, title=r["title"], url=r["url"] or None)
                        for i, r in enumerate(data["sources"])]


def _organisation(name: str, organisation_type: str, lookups: Lookups | None) -> Organisation:
    org = lookups.organisations.get(name) if lookups else None
    if org is None:
        org = _find_or_insert(Organisation, {"name": name},
                              lambda: {"organisation_type": organisation_type})
        if lookups is not None:
            lookups.organisations[name] = org
    org.organisation_type = organisation_type
    return org


def _tag(name: str, lookups: Lookups | None) -> Tag:
    tag = lookups.tags.get(name) if lookups else None
    if tag is None:
        tag = _find_or_insert(Tag, {"name": name}, lambda: {"slug": _free_tag_slug(name)})
        if lookups is not None:
            lookups.tags[name] = tag
    return tag


def _free_tag_slug(name: str) -> str:
    slug, n = slugify(name), 1
    while db.session.execute(db.select(Tag.id).filter_by(slug=slug)).first():
        n += 1
        slug = f"{slugify(name)}-{n}"
    return slug


def _find_or_insert(model: type[T], key: dict[str, Any], values: Callable[[], dict[str, Any]],
                    attempts: int = 5) -> T:
    """The row of ``model`` with ``key``, inserted with ``values()`` if there is none.

    Two processes may both find no row and both insert it: the later insert then does
    nothing (``ON CONFLICT DO NOTHING``; PostgreSQL first waits for the other transaction)
    and the look-up after it finds the other's row. Unlike catching IntegrityError, this
    needs no savepoint and leaves the transaction usable. If the row is still missing,
    another unique value (a tag's slug) was taken meanwhile: try again with fresh values.
    """
    find = db.select(model).filter_by(**key)
    row = db.session.execute(find).scalar_one_or_none()
    for _ in range(attempts):
        if row is not None:
            return row
        db.session.execute(_insert_ignoring_conflicts(model).values(**key, **values()))
        row = db.session.execute(find).scalar_one_or_none()
    if row is None:
        raise RuntimeError(f"could not insert {model.__name__} {key}: conflicts persist")
    return row


def _insert_ignoring_conflicts(model: type) -> Any:
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    return insert(model).on_conflict_do_nothing()


def record_index_change(case_id: int) -> None:
    """Tell every search index that this case changed; committed with the change itself."""
    db.session.add(IndexChange(case_id=case_id))


# The history event of a status change made without a named workflow step.
STATUS_ACTIONS = {Status.DRAFT: "case_reopened", Status.REVIEW: "case_submitted",
                  Status.PUBLISHED: "case_published", Status.ARCHIVED: "case_archived"}


def set_status(case: Case, status: Status, user: User | None, action: str | None = None,
               comment: str = "") -> CaseEvent:
    """A workflow step (the caller checks the user may): an event in the case's history, not
    a new version, since the content is unchanged. Publishing is a review: it sets the
    review date (and the publication date the first time). Raises
    :class:`CaseValidationError` when the case's content is not valid (any more)."""
    validate_case_data({**case_to_data(case), "status": status.value})
    today = dt.date.today()
    case.status = status.value
    if status == Status.PUBLISHED:
        case.published = case.published or today
        case.reviewed = today
        _mark_current_version_published(case)
    case.updated_at = utcnow()
    event = record_event(case, user, action or STATUS_ACTIONS[status], comment)
    db.session.flush()
    record_index_change(case.id)
    return event


def _mark_current_version_published(case: Case) -> None:
    """The version being published becomes one readers may open and cite
    (kb/sharing/revisions.py shows versions whose snapshot says "published")."""
    newest = db.session.execute(
        db.select(Revision).where(Revision.case_id == case.id)
        .order_by(Revision.number.desc()).limit(1)
    ).scalar_one_or_none()
    if newest is None or newest.data.get("status") == Status.PUBLISHED.value:
        return
    published = newest.data.get("published") or (case.published.isoformat() if case.published else None)
    newest.data = {**newest.data, "status": Status.PUBLISHED.value, "published": published}


def record_event(case: Case, user: User | None, action: str, comment: str = "") -> CaseEvent:
    """A step in the case's history that is not a content change (see :class:`CaseEvent`)."""
    event = CaseEvent(case_id=case.id, user_id=user.id if user else None, action=action,
                      comment=comment, at=utcnow())
    db.session.add(event)
    return event


def last_content_author_id(case: Case) -> int | None:
    """Who saved the newest version of the content (None: an import or a tip)."""
    return db.session.execute(
        db.select(Revision.user_id).where(Revision.case_id == case.id)
        .order_by(Revision.number.desc()).limit(1)
    ).scalar_one_or_none()


def delete_case(case: Case) -> None:
    case_id = case.id
    db.session.delete(case)
    db.session.flush()
    record_index_change(case_id)


__all__ = [
    "FIELDS",
    "CaseValidationError",
    "Lookups",
    "Staged",
    "VersionConflict",
    "case_to_data",
    "delete_case",
    "find_case",
    "last_content_author_id",
    "record_event",
    "record_index_change",
    "record_saves",
    "save_case",
    "set_status",
    "stage_case",
    "unique_slug",
]
