"""Tombstones: which published cases went away, and when, so harvesters can remove them.

``GET /api/v1/cases?updated_since=`` lists only published cases, so a harvester never learns
from it that a case was deleted, archived or sent back to draft. A tombstone is written in
the same flush (and so the same transaction) as that change, by a session hook, whichever
code path makes it (editor, workflow, import, CLI). It holds no personal data: the case's
id and slug as readers knew them, the time and the kind of withdrawal. Publishing the case
again removes its tombstone; the case is then in the case list again.
"""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import DateTime, Integer, String, delete, event, insert, inspect, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from kb.dates import utcnow
from kb.extensions import Model, db
from kb.models.case import Case, Status


class Withdrawal(enum.StrEnum):
    DELETED = "deleted"
    ARCHIVED = "archived"
    UNPUBLISHED = "unpublished"  # back to draft or review


class CaseTombstone(Model):
    """The latest withdrawal of a once-published case (one row per case id)."""

    __tablename__ = "case_tombstones"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, unique=True)  # no FK: outlives the case
    slug: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(20))
    deleted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


def _status_changed(case: Case) -> bool:
    return inspect(case).attrs.status.history.has_changes()


@event.listens_for(Session, "before_flush")
def _record_withdrawals(session: Session, _context, _instances) -> None:
    """Compare each deleted case, and each case whose status is changing, with the row as
    it is in the database before this flush."""
    watched = {c.id: c for c in session.deleted if isinstance(c, Case) and c.id is not None}
    watched.update({c.id: c for c in session.dirty
                    if isinstance(c, Case) and c.id is not None and _status_changed(c)})
    if not watched:
        return
    conn = session.connection()  # a Core query: no autoflush inside the flush
    rows = conn.execute(select(Case.id, Case.slug, Case.status).where(Case.id.in_(watched))).all()
    for case_id, slug, status in rows:
        case = watched[case_id]
        gone = case in session.deleted
        was_public, is_public = status == Status.PUBLISHED, not gone and case.status == Status.PUBLISHED
        if was_public == is_public:
            continue
        conn.execute(delete(CaseTombstone).where(CaseTombstone.case_id == case_id))
        if was_public:
            reason = (Withdrawal.DELETED if gone else
                      Withdrawal.ARCHIVED if case.status == Status.ARCHIVED else Withdrawal.UNPUBLISHED)
            conn.execute(insert(CaseTombstone).values(case_id=case_id, slug=slug, reason=reason.value,
                                                      deleted_at=utcnow()))


def withdrawn(slug_or_id: str) -> CaseTombstone | None:
    """The tombstone of a once-published case, by its last slug or, for short links, its id."""
    stmt = select(CaseTombstone).where(CaseTombstone.slug == slug_or_id)
    if slug_or_id.isascii() and slug_or_id.isdigit() and len(slug_or_id) <= 9:
        stmt = select(CaseTombstone).where(
            (CaseTombstone.slug == slug_or_id) | (CaseTombstone.case_id == int(slug_or_id)))
    return db.session.scalars(stmt.limit(1)).first()
