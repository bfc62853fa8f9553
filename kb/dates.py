"""Date and time helpers: stored times are UTC; pages show Swedish dates."""
from __future__ import annotations

import datetime as dt

# A time before any stored change: the data stamp and feeds of an empty database.
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
          "september", "oktober", "november", "december")


def utcnow() -> dt.datetime:
    """Now, with its zone (UTC): the default of every stored time."""
    return dt.datetime.now(dt.UTC)


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def iso_utc(value: dt.datetime) -> str:
    """A stored time as ISO 8601 with its zone (UTC), to the second."""
    return as_utc(value).isoformat(timespec="seconds")


def swedish_date(value: dt.date | dt.datetime | None) -> str:
    """``2026-11-23`` → ``23 november 2026``."""
    if value is None:
        return ""
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"
