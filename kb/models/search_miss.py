"""Public searches that found little: what readers look for and the cases do not yet cover.

Only the normalised query, a day and a count are kept: no address, session or user, and
only for anonymous readers (see /personuppgifter). Rows older than KEEP_DAYS are removed.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kb.extensions import Model

MAX_QUERY = 100
KEEP_DAYS = 90


class SearchMiss(Model):
    """How often a query with zero or few hits was searched on one day."""

    __tablename__ = "search_misses"
    __table_args__ = (UniqueConstraint("query", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(MAX_QUERY))
    day: Mapped[dt.date] = mapped_column(Date, index=True)
    count: Mapped[int] = mapped_column(Integer, default=1)
