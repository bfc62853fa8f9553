"""Published versions of a case, for permalinks a report can cite.

A :class:`~kb.models.Revision` holds the case as saved (the export format). Only versions
that were saved with the status "published" are shown to readers, with the body as it was
rendered and sanitized when that version was saved (``Revision.body_html``): nothing is
rendered per request.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from kb.dates import as_utc
from kb.extensions import db
from kb.models import Article, Case, Revision, Status, Tag
from kb.sharing.privacy import public_contacts


@dataclass(frozen=True)
class Version:
    """One published version of a case as a reader sees it."""

    number: int
    saved: dt.datetime
    data: dict[str, Any]
    body_html: str
    contacts: list[dict[str, str | None]]
    tags: list[tuple[str, str | None]]  # (name, slug of the tag page if it still exists)
    articles: list[Article]


def _published_filter(case: Case):
    return (db.select(Revision).where(Revision.case_id == case.id)
            .where(Revision.data["status"].as_string() == Status.PUBLISHED.value))


def published_revisions(case: Case) -> list[Revision]:
    """The case's published versions, newest first."""
    stmt = _published_filter(case).order_by(Revision.number.desc())
    return list(db.session.execute(stmt).scalars())


def published_version(case: Case, number: int) -> Version | None:
    """Version ``number`` of ``case`` if it was a published version, else None."""
    revision = db.session.execute(
        _published_filter(case).where(Revision.number == number)
    ).scalars().first()
    if revision is None:
        return None
    data = dict(revision.data)
    tag_names = data.get("tags") or []
    slugs = dict(db.session.execute(db.select(Tag.name, Tag.slug).where(Tag.name.in_(tag_names))).all())
    articles = list(db.session.execute(
        db.select(Article).where(Article.number.in_(data.get("articles") or [])).order_by(Article.number)
    ).scalars())
    return Version(
        number=revision.number,
        saved=as_utc(revision.created_at),
        data=data,
        body_html=revision.body_html,
        contacts=public_contacts(data.get("contacts") or []),
        tags=[(name, slugs.get(name)) for name in tag_names],
        articles=articles,
    )
