"""Atom feeds (RFC 4287) of newly published and updated cases."""
from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select

from kb.dates import EPOCH, as_utc
from kb.extensions import db
from kb.models import Case, Status
from kb.urls import absolute_url

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# Characters XML 1.0 forbids; a stray control character in a case must not break the feed.
_INVALID_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclass(frozen=True)
class FeedInfo:
    """What a feed is about: its title, its own URL and the page it follows."""

    title: str
    subtitle: str
    self_url: str
    html_url: str


def newest_changes(stmt: Select | None = None, limit: int | None = None) -> list[Case]:
    """Published cases (optionally narrowed by ``stmt``'s filters), last changed first."""
    stmt = stmt if stmt is not None else db.select(Case).where(Case.status == Status.PUBLISHED)
    stmt = stmt.order_by(None).order_by(Case.updated_at.desc(), Case.id.desc())
    limit = limit or int(current_app.config["FEED_SIZE"])
    return list(db.session.execute(stmt.limit(limit)).scalars().unique())


def _text(value: str | None) -> str:
    return _INVALID_XML.sub("", value or "")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {k: _text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _rfc3339(value: dt.datetime | dt.date) -> str:
    if not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time(), tzinfo=dt.UTC)
    return as_utc(value).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(feed: ET.Element, case: Case) -> None:
    entry = _sub(feed, "entry")
    # The short link never changes, even when the slug does: a stable entry id.
    _sub(entry, "id", absolute_url("public.case", slug=str(case.id)))
    _sub(entry, "title", case.title, type="text")
    _sub(entry, "link", rel="alternate", type="text/html",
         href=absolute_url("public.case", slug=case.slug))
    _sub(entry, "link", rel="alternate", type="application/json",
         href=absolute_url("api.case", slug=case.slug))
    _sub(entry, "updated", _rfc3339(case.updated_at))
    if case.published:
        _sub(entry, "published", _rfc3339(case.published))
    author = _sub(entry, "author")
    _sub(author, "name", case.organisation.name)
    for tag in case.tags:
        _sub(entry, "category", term=tag.slug, label=tag.name,
             scheme=absolute_url("public.index") + "tagg/")
    _sub(entry, "summary", case.summary, type="text")
    _sub(entry, "content", case.body_html, type="html")


def atom_feed(info: FeedInfo, cases: Sequence[Case]) -> bytes:
    """The feed document; ``updated`` is the newest entry's (or a fixed date when empty)."""
    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: "sv"})
    _sub(feed, "id", info.self_url)
    _sub(feed, "title", info.title, type="text")
    _sub(feed, "subtitle", info.subtitle, type="text")
    _sub(feed, "link", rel="self", type="application/atom+xml", href=info.self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=info.html_url)
    newest = max((as_utc(c.updated_at) for c in cases), default=EPOCH)
    _sub(feed, "updated", _rfc3339(newest))
    author = _sub(feed, "author")
    _sub(author, "name", current_app.config["SITE_NAME"])
    _sub(author, "uri", absolute_url("public.index"))
    _sub(feed, "generator", current_app.config["SITE_NAME"], uri=absolute_url("public.index"))
    _sub(feed, "icon", absolute_url("static", filename="img/favicon.svg"))
    _sub(feed, "logo", absolute_url("static", filename="img/og-default.png"))
    for case in cases:
        _entry(feed, case)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
