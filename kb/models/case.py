"""The case ("exempel"): one piece of good practice, and what hangs on it."""
from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kb.dates import utcnow
from kb.extensions import Model, db
from kb.models.reference import Article, County, Municipality


class Status(enum.StrEnum):
    DRAFT = "draft"
    REVIEW = "review"
    PUBLISHED = "published"
    ARCHIVED = "archived"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS = {
    Status.DRAFT: "Utkast",
    Status.REVIEW: "Granskas",
    Status.PUBLISHED: "Publicerad",
    Status.ARCHIVED: "Arkiverad",
}

ORGANISATION_TYPES = (
    "kommun",
    "region",
    "länsstyrelse",
    "kommunförbund",
    "myndighet",
    "idéburen organisation",
    "annan",
)

EVIDENCE_LEVELS = ("inspirerande exempel", "dokumenterade resultat", "utvärderat")


case_tags = Table(
    "case_tags",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True),
)

case_articles = Table(
    "case_articles",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("article_number", ForeignKey("articles.number"), primary_key=True),
)

case_municipalities = Table(
    "case_municipalities",
    db.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_code", ForeignKey("municipalities.code"), primary_key=True),
)


class Organisation(Model):
    """The body that did the work; its type is one of :data:`ORGANISATION_TYPES`."""

    __tablename__ = "organisations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    organisation_type: Mapped[str] = mapped_column(String(40))


class Tag(Model):
    """A normalised keyword ("barnkonsekvensanalys") with its own URL slug."""

    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)


class Case(Model):
    """A good-practice example. ``body_html`` is rendered once, when the case is saved."""

    __tablename__ = "cases"
    # SQLite would otherwise hand a deleted case's id (and its short link) to the next case.
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    county_code: Mapped[str | None] = mapped_column(ForeignKey("counties.code"), index=True)
    year: Mapped[int | None] = mapped_column(Integer)
    published: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=Status.DRAFT, index=True)
    evidence_level: Mapped[str | None] = mapped_column(String(40))
    reviewed: Mapped[dt.date | None] = mapped_column(Date)
    # The last change an editor made to the content ("Senast uppdaterad"); an import keeps
    # the file's date. Not changed by workflow steps, unlike updated_at.
    content_updated: Mapped[dt.date | None] = mapped_column(Date)
    # Optimistic locking: an edit must name the version it started from.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Set when the case is suggested through the public form rather than by an editor.
    suggested_by: Mapped[str | None] = mapped_column(String(200))

    organisation: Mapped[Organisation] = relationship(lazy="joined")
    county: Mapped[County | None] = relationship(lazy="joined")
    tags: Mapped[list[Tag]] = relationship(secondary=case_tags, order_by=Tag.name)
    articles: Mapped[list[Article]] = relationship(
        secondary=case_articles, order_by=Article.number
    )
    municipalities: Mapped[list[Municipality]] = relationship(
        secondary=case_municipalities, order_by=Municipality.name
    )
    contacts: Mapped[list[Contact]] = relationship(
        back_populates="case", order_by="Contact.position", cascade="all, delete-orphan"
    )
    sources: Mapped[list[Source]] = relationship(
        back_populates="case", order_by="Source.position", cascade="all, delete-orphan"
    )
    created_by = relationship("User", foreign_keys=[created_by_id])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[Status(self.status)]

    def review_is_stale(self, today: dt.date, max_age_days: int = 730) -> bool:
        """True when nobody has checked the entry for ``max_age_days`` (or ever)."""
        return self.reviewed is None or (today - self.reviewed).days > max_age_days


class Contact(Model):
    """A contact for a case; prefer a role and a functional mailbox (GDPR). ``public`` records
    that the person agreed to be named (see kb/sharing/privacy.py)."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    public: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    case: Mapped[Case] = relationship(back_populates="contacts")


class Source(Model):
    """Where the facts of a case come from."""

    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(2000))

    case: Mapped[Case] = relationship(back_populates="sources")


class SlugRedirect(Model):
    """An old slug of a case, kept so shared links answer 301 to the current URL."""

    __tablename__ = "slug_redirects"
    old_slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    case: Mapped[Case] = relationship()
