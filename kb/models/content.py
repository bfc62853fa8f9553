"""The content version: one number that changes whenever anything a public page shows changes.

Every HTTP validator (ETag, Last-Modified, feeds) derives from it. One ``after_flush`` hook
bumps it in the same transaction as the change, so a reader can never see new data with an
old version. The same hook puts the cases that show a renamed county, municipality, article,
tag or organisation on the search index's change log, so a rename reaches the index too.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    Select,
    event,
    insert,
    inspect,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.dates import utcnow
from kb.extensions import Model
from kb.models.case import (
    Case,
    Contact,
    Organisation,
    SlugRedirect,
    Source,
    Tag,
    case_articles,
    case_municipalities,
    case_tags,
)
from kb.models.history import IndexChange, Revision
from kb.models.reference import Article, County, Municipality
from kb.models.tombstone import CaseTombstone

ROW_ID = 1


class ContentVersion(Model):
    """A single row: the version of everything public, and when it last changed."""

    __tablename__ = "content_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)
    changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


# Reference rows a case's page and search document show, and the cases that show each.
CASES_SHOWING: dict[type, Callable[[list[Any]], Select]] = {
    County: lambda codes: select(Case.id).where(Case.county_code.in_(codes)),
    Organisation: lambda ids: select(Case.id).where(Case.organisation_id.in_(ids)),
    Tag: lambda ids: select(case_tags.c.case_id).where(case_tags.c.tag_id.in_(ids)),
    Municipality: lambda codes: select(case_municipalities.c.case_id)
    .where(case_municipalities.c.municipality_code.in_(codes)),
    Article: lambda numbers: select(case_articles.c.case_id)
    .where(case_articles.c.article_number.in_(numbers)),
}
PUBLIC_MODELS: tuple[type, ...] = (Case, Contact, Source, SlugRedirect, Revision, CaseTombstone,
                                   *CASES_SHOWING)


def _changed(session: Session) -> list[Any]:
    """Public rows this flush inserted, deleted or really changed (not merely touched)."""
    rows = [obj for obj in (*session.new, *session.deleted) if isinstance(obj, PUBLIC_MODELS)]
    rows += [obj for obj in session.dirty
             if isinstance(obj, PUBLIC_MODELS) and session.is_modified(obj)]
    return rows


def _reindex_renamed(session: Session, changed: list[Any], now: dt.datetime) -> None:
    """Queue the cases showing a changed reference row for the search index."""
    for model, cases_showing in CASES_SHOWING.items():
        keys = [inspect(obj).identity[0] for obj in changed
                if isinstance(obj, model) and obj in session.dirty]
        if keys:
            session.connection().execute(insert(IndexChange).from_select(
                ["case_id", "created_at"],
                cases_showing(keys).add_columns(literal(now, DateTime(timezone=True)))))


@event.listens_for(Session, "after_flush")
def _bump_content_version(session: Session, _context: Any) -> None:
    """Bump the content version when this flush changed anything a public page shows."""
    changed = _changed(session)
    if not changed:
        return
    now = utcnow()
    _reindex_renamed(session, changed, now)
    conn = session.connection()
    bumped = conn.execute(update(ContentVersion).where(ContentVersion.id == ROW_ID)
                          .values(version=ContentVersion.version + 1, changed_at=now)).rowcount
    if not bumped:  # a database created without the migration's first row
        conn.execute(insert(ContentVersion).values(id=ROW_ID, version=1, changed_at=now))


def current(conn: Connection | Session) -> tuple[int, dt.datetime | None]:
    """The committed content version and when it changed (0, None before the first row)."""
    row = conn.execute(select(ContentVersion.version, ContentVersion.changed_at)
                          .where(ContentVersion.id == ROW_ID)).first()
    return (row[0], row[1]) if row else (0, None)
