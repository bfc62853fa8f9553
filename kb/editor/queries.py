"""Read-side queries for the editors' dashboards and lists."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Select, func, or_

from kb.extensions import db
from kb.models import Case, CaseEvent, Revision, Status, Tag, User, case_tags


def own_cases(user: User, status: Status) -> list[Case]:
    return list(db.session.execute(
        db.select(Case).where(Case.created_by_id == user.id, Case.status == status)
        .order_by(Case.updated_at.desc())
    ).scalars())


def review_queue() -> Select:
    """Cases waiting for a reviewer: sent to review, and suggestions from the public form."""
    waiting = or_(Case.status == Status.REVIEW,
                  (Case.status == Status.DRAFT) & Case.suggested_by.is_not(None)
                  & Case.created_by_id.is_(None))
    return db.select(Case).where(waiting).order_by(Case.updated_at.asc(), Case.id.asc())


def stale_published(today: dt.date, max_age_days: int) -> Select:
    """Published cases nobody has reviewed for ``max_age_days`` (or ever), oldest first."""
    cutoff = today - dt.timedelta(days=max_age_days)
    return (
        db.select(Case)
        .where(Case.status == Status.PUBLISHED,
               or_(Case.reviewed.is_(None), Case.reviewed < cutoff))
        .order_by(Case.reviewed.asc().nulls_first(), Case.published.asc().nulls_first(),
                  Case.id.asc())
    )


def recent_revisions(limit: int = 15) -> list[Revision]:
    return list(db.session.execute(
        db.select(Revision).order_by(Revision.created_at.desc(), Revision.id.desc()).limit(limit)
    ).scalars())


def latest_events(case_ids: Iterable[int]) -> dict[int, CaseEvent]:
    """The newest workflow event of each case (e.g. a reviewer's "request changes")."""
    ids = list(case_ids)
    if not ids:
        return {}
    newest = (
        db.select(func.max(CaseEvent.id).label("id"))
        .where(CaseEvent.case_id.in_(ids)).group_by(CaseEvent.case_id).subquery()
    )
    stmt = db.select(CaseEvent).join(newest, CaseEvent.id == newest.c.id)
    return {event.case_id: event for event in db.session.execute(stmt).scalars()}


def events_of(case: Case) -> list[CaseEvent]:
    """The case's workflow events, newest first."""
    return list(db.session.execute(
        db.select(CaseEvent).filter_by(case_id=case.id).order_by(CaseEvent.id.desc())
    ).scalars())


def all_cases(status: str | None = None, text: str | None = None) -> Select:
    stmt = db.select(Case).order_by(Case.updated_at.desc(), Case.id.desc())
    if status in tuple(Status):
        stmt = stmt.where(Case.status == status)
    if text:
        like = f"%{text}%"
        stmt = stmt.where(Case.title.ilike(like) | Case.slug.ilike(like))
    return stmt


def revisions_of(case: Case) -> list[Revision]:
    return list(db.session.execute(
        db.select(Revision).filter_by(case_id=case.id).order_by(Revision.number.desc())
    ).scalars())


def revision(case: Case, number: int) -> Revision | None:
    return db.session.execute(
        db.select(Revision).filter_by(case_id=case.id, number=number)
    ).scalar_one_or_none()


def tag_suggestions(prefix: str, limit: int = 10) -> list[str]:
    """Known tags starting with (or else containing) ``prefix``, most used first."""
    prefix = prefix.strip().lower()
    if not prefix:
        return []
    uses = func.count(case_tags.c.case_id)
    base = (
        db.select(Tag.name).outerjoin(case_tags, case_tags.c.tag_id == Tag.id)
        .group_by(Tag.id, Tag.name).order_by(uses.desc(), Tag.name)
    )
    starts = list(db.session.execute(base.where(Tag.name.ilike(f"{prefix}%")).limit(limit)).scalars())
    if len(starts) < limit:
        more = db.session.execute(
            base.where(Tag.name.ilike(f"%{prefix}%"), Tag.name.not_in(starts or [""]))
            .limit(limit - len(starts))
        ).scalars()
        starts += list(more)
    return starts
