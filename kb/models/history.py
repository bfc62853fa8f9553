"""What happened: case revisions, the audit log, and the search index's change log."""
from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dates import utcnow
from kb.extensions import Model


class Revision(Model):
    """A snapshot of a case as saved: who, when, what (the export-format fields), and the
    body as rendered and sanitized then, so an old version is never rendered per request."""

    __tablename__ = "revisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    message: Mapped[str] = mapped_column(String(300), default="")
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    body_html: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


class CaseEvent(Model):
    """A workflow step in a case's history (submitted, published, archived …): not a version,
    since the content did not change."""

    __tablename__ = "case_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # An audit action (kb.services.audit.ACTION_LABELS), e.g. "case_published".
    action: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str] = mapped_column(Text, default="")

    user = relationship("User")


class AuditEvent(Model):
    """Logins, role changes, publishing and deletions, for admins to read."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40), index=True)
    target: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(Text, default="")
    ip: Mapped[str] = mapped_column(String(64), default="")

    user = relationship("User")


class IndexChange(Model):
    """The search index's change log (a transactional outbox).

    A row is written in the same transaction as the change to a case, so the index can
    never miss a committed change; each index remembers the last row it has applied.
    """

    __tablename__ = "index_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: outlives deletions
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
