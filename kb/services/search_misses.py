"""Counting public searches that found little, and reading the counts back for editors."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kb.extensions import db
from kb.models.search_miss import KEEP_DAYS, MAX_QUERY, SearchMiss
from kb.search.query import clean


def normalise(text: str) -> str:
    """Lower case, single spaces, no control characters, at most MAX_QUERY characters."""
    return clean(text[:4 * MAX_QUERY]).lower()[:MAX_QUERY].strip()


def record(query: str, today: dt.date) -> None:
    """Count one search for ``query`` today (one upsert), and forget days past KEEP_DAYS."""
    insert = postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(SearchMiss).values(query=query, day=today, count=1)
    db.session.execute(stmt.on_conflict_do_update(index_elements=["query", "day"],
                                                  set_={"count": SearchMiss.count + 1}))
    db.session.execute(delete(SearchMiss).where(SearchMiss.day < today - dt.timedelta(days=KEEP_DAYS)))


def most_frequent(today: dt.date, limit: int) -> list[tuple[str, int, dt.date]]:
    """(query, searches, last day) of the last KEEP_DAYS days, the most searched first."""
    total = func.sum(SearchMiss.count)
    stmt = (select(SearchMiss.query, total, func.max(SearchMiss.day))
            .where(SearchMiss.day >= today - dt.timedelta(days=KEEP_DAYS))
            .group_by(SearchMiss.query).order_by(total.desc(), SearchMiss.query).limit(limit))
    return [(q, int(n), day) for q, n, day in db.session.execute(stmt)]
