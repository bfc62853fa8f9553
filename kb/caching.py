"""HTTP caching for readers: validators, 304s, ``Cache-Control`` and a small page cache.

Anonymous readers get ``public, max-age=…`` so a reverse proxy may keep a page for a short
while; logged-in editors get ``private, no-store`` so they see their own changes at once.

Views wrapped in :func:`cached_view` (case pages, feeds, open data) get an ETag derived from
the *data stamp*: the newest case change and the newest search-index change. Every write to
a case bumps one of them, so a conditional request costs one small indexed query and never
renders anything. The rendered body is also kept in a bounded per-process cache keyed by the
same ETag, so a fresh request for a popular page is served without re-rendering it.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, make_response, request, session
from flask_login import current_user
from sqlalchemy import func, select
from werkzeug.http import is_resource_modified

from kb.extensions import db
from kb.models import Case, IndexChange

# Blueprints whose anonymous GET responses a shared cache may keep for a short while.
PUBLIC_BLUEPRINTS = frozenset({"public", "sharing", "api"})
CACHEABLE_STATUS = frozenset({200, 301, 308})
EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DataStamp:
    """What changed last: the newest index-change row and the newest case ``updated_at``."""

    change_id: int
    updated: dt.datetime

    @property
    def token(self) -> str:
        return f"{self.change_id}:{self.updated.isoformat()}"


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str
    headers: tuple[tuple[str, str], ...]


class PageCache:
    """A bounded, thread-safe LRU of rendered responses, one per worker process."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> CachedPage | None:
        with self._lock:
            page = self._items.get(key)
            if page is not None:
                self._items.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._items[key] = page
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite returns naive datetimes; they were stored in UTC."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def data_stamp() -> DataStamp:
    """The data stamp, read once per request (kept in the WSGI environ, which lives exactly
    as long as the request; ``g`` may outlive it)."""
    stamp = request.environ.get("kb.data_stamp")
    if stamp is None:
        row = db.session.execute(
            select(func.max(IndexChange.id), select(func.max(Case.updated_at)).scalar_subquery())
        ).one()
        stamp = DataStamp(row[0] or 0, as_utc(row[1]) if row[1] else EPOCH)
        request.environ["kb.data_stamp"] = stamp
    return stamp


def is_editor() -> bool:
    """Logged-in users see drafts and their own changes: never share or keep their pages."""
    return bool(getattr(current_user, "is_authenticated", False))


def _personal_request() -> bool:
    return is_editor() or "_flashes" in session


def _build_token(app: Flask) -> str:
    """Changes when templates or static files change, identical in every worker."""
    root = os.path.dirname(app.root_path)
    parts = []
    for folder in (app.template_folder, app.static_folder):
        path = folder if os.path.isabs(folder) else os.path.join(root, folder)
        for base, _dirs, files in os.walk(path):
            for name in files:
                stat = os.stat(os.path.join(base, name))
                parts.append(f"{base}/{name}:{stat.st_mtime_ns}:{stat.st_size}")
    return hashlib.sha1("|".join(sorted(parts)).encode()).hexdigest()[:12]


def _etag(stamp: DataStamp, daily: bool) -> str:
    args = sorted((k, v) for k, vs in request.args.lists() for v in vs)
    key = "|".join([
        current_app.extensions["kb_build_token"], request.endpoint or "",
        repr(sorted((request.view_args or {}).items())), repr(args), stamp.token,
        dt.date.today().isoformat() if daily else "",
    ])
    return hashlib.sha1(key.encode()).hexdigest()[:24]


def _last_modified(stamp: DataStamp, daily: bool) -> dt.datetime:
    if not daily:
        return stamp.updated
    midnight = dt.datetime.combine(dt.date.today(), dt.time()).astimezone(dt.UTC)
    return max(stamp.updated, midnight)


def public_max_age() -> int:
    return int(current_app.config["PUBLIC_MAX_AGE"])


def _mark_public(response: Response, max_age: int | None = None) -> Response:
    response.cache_control.public = True
    response.cache_control.max_age = public_max_age() if max_age is None else max_age
    response.vary.add("Cookie")
    return response


def _validate(response: Response, etag: str, last_modified: dt.datetime, max_age: int | None) -> Response:
    response.set_etag(etag, weak=True)
    response.last_modified = last_modified
    return _mark_public(response, max_age)


def cached_view(*, daily: bool = False, max_age: int | None = None) -> Callable:
    """Give a public GET view an ETag and Last-Modified from the data stamp, answer 304s
    without calling it, and keep its rendered body in the page cache.

    ``daily``: the page also shows today's date (e.g. a citation's "hämtad"), so it changes
    at midnight. Editors bypass all of it.
    """
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any):
            if request.method not in ("GET", "HEAD") or _personal_request():
                return view(*args, **kwargs)
            stamp = data_stamp()
            etag, last_modified = _etag(stamp, daily), _last_modified(stamp, daily)
            if not is_resource_modified(request.environ, etag=etag, last_modified=last_modified):
                return _validate(Response(status=304), etag, last_modified, max_age)
            cache: PageCache = current_app.extensions["kb_page_cache"]
            hit = cache.get(etag)
            if hit is not None:
                response = Response(hit.body, mimetype=hit.mimetype, headers=list(hit.headers))
                return _validate(response, etag, last_modified, max_age)
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified:
                return response
            if not response.is_streamed:
                keep = tuple((k, v) for k, v in response.headers.items()
                             if k.lower() in ("content-disposition", "link", "x-total-count"))
                cache.put(etag, CachedPage(response.get_data(), response.mimetype or "text/html", keep))
            return _validate(response, etag, last_modified, max_age)
        return wrapper
    return decorate


def apply_cache_policy(response: Response) -> Response:
    """After every request: editors never get a stored page; anonymous public GETs may."""
    if request.method not in ("GET", "HEAD") or request.endpoint == "static":
        return response
    if _personal_request():
        response.cache_control.no_store = True
        response.cache_control.private = True
        response.cache_control.public = False
        response.cache_control.max_age = None
        response.vary.add("Cookie")
        return response
    if (request.blueprint not in PUBLIC_BLUEPRINTS or response.status_code not in CACHEABLE_STATUS
            or session.modified or "Set-Cookie" in response.headers):
        return response
    if response.cache_control.no_store or response.cache_control.private:
        return response
    if response.cache_control.max_age is None:
        _mark_public(response)
    if response.status_code == 200 and not response.is_streamed and response.get_etag() == (None, None):
        response.add_etag(weak=True)  # other public pages: 304 from a hash of the body
        response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("PUBLIC_MAX_AGE", 60)
    app.config.setdefault("PAGE_CACHE_SIZE", 256)
    app.extensions["kb_page_cache"] = PageCache(int(app.config["PAGE_CACHE_SIZE"]))
    app.extensions["kb_build_token"] = _build_token(app)
    app.after_request(apply_cache_policy)
