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
import functools
import hashlib
import os
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, has_app_context, make_response, request, session
from flask_login import current_user
from sqlalchemy import event, func, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.http import http_date, is_resource_modified

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


STAMP_QUERY = select(func.max(IndexChange.id), select(func.max(Case.updated_at)).scalar_subquery())


class StampCache:
    """The data stamp, shared by a worker's requests for ``STAMP_TTL`` seconds.

    A conditional request then touches no database at all. A commit in this process forgets
    the stamp at once; another worker's commit shows after at most ``STAMP_TTL`` (editors,
    who bypass all caching, see every change immediately).
    """

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._value: DataStamp | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> DataStamp:
        now = time.monotonic()
        with self._lock:
            if self._value is not None and now - self._read_at < self.ttl:
                return self._value
        with db.engine.connect() as conn:
            change_id, updated = conn.execute(STAMP_QUERY).one()
        value = DataStamp(change_id or 0, as_utc(updated) if updated else EPOCH)
        with self._lock:
            self._value, self._read_at = value, now
        return value

    def peek(self) -> DataStamp | None:
        """The stamp if it is still fresh, without touching the database."""
        with self._lock:
            if self._value is not None and time.monotonic() - self._read_at < self.ttl:
                return self._value
        return None

    def forget(self) -> None:
        with self._lock:
            self._value = None


def data_stamp() -> DataStamp:
    """The data stamp, fixed for the whole request (kept in the WSGI environ, which lives
    exactly as long as the request; ``g`` may outlive it)."""
    stamp = request.environ.get("kb.data_stamp")
    if stamp is None:
        stamp = current_app.extensions["kb_stamp_cache"].get()
        request.environ["kb.data_stamp"] = stamp
    return stamp


def _forget_stamp(_session) -> None:
    """After any commit in this process: the next request reads the stamp afresh."""
    cache = current_app.extensions.get("kb_stamp_cache") if has_app_context() else None
    if cache is not None:
        cache.forget()


def is_editor() -> bool:
    """Logged-in users see drafts and their own changes: never share or keep their pages."""
    return bool(getattr(current_user, "is_authenticated", False))


def _personal_request() -> bool:
    """A logged-in editor, or a reader with a message waiting. Without any cookie neither
    can be the case, and the session and user need not be loaded (the common, fast path)."""
    if "HTTP_COOKIE" not in request.environ:
        return False
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
    return hashlib.sha1("|".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()[:12]


def _etag(stamp: DataStamp, daily: bool) -> str:
    args = sorted((k, v) for k, vs in request.args.lists() for v in vs)
    key = "|".join([
        current_app.extensions["kb_build_token"], request.endpoint or "",
        repr(sorted((request.view_args or {}).items())), repr(args), stamp.token,
        dt.date.today().isoformat() if daily else "",
    ])
    return hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:24]


@functools.lru_cache(maxsize=4)
def _midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time()).astimezone(dt.UTC)


def _last_modified(stamp: DataStamp, daily: bool) -> dt.datetime:
    return max(stamp.updated, _midnight(dt.date.today())) if daily else stamp.updated


@functools.lru_cache(maxsize=64)
def _http_date(value: dt.datetime) -> str:
    return http_date(value)


def _not_modified(etag: str, last_modified: dt.datetime) -> bool:
    """True when the request's validators match (If-None-Match wins over If-Modified-Since)."""
    if_none_match = request.environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match is not None:
        # Weak comparison: W/"x" and "x" both match; "*" matches any current page.
        return f'"{etag}"' in if_none_match or if_none_match.strip() == "*"
    if "HTTP_IF_MODIFIED_SINCE" in request.environ:
        return not is_resource_modified(request.environ, last_modified=last_modified)
    return False


def public_max_age() -> int:
    return int(current_app.config["PUBLIC_MAX_AGE"])


def _add_vary_cookie(response: Response) -> None:
    vary = response.headers.get("Vary")
    if not vary:
        response.headers["Vary"] = "Cookie"
    elif "cookie" not in vary.lower():
        response.headers["Vary"] = vary + ", Cookie"


def _mark_public(response: Response, max_age: int | None = None) -> Response:
    # Plain header writes: this runs on every public response, and the parsed
    # ``response.cache_control`` object costs several times as much.
    response.headers["Cache-Control"] = f"public, max-age={public_max_age() if max_age is None else max_age}"
    _add_vary_cookie(response)
    return response


def _validate(response: Response, etag: str, last_modified: dt.datetime, max_age: int | None) -> Response:
    response.headers["ETag"] = f'W/"{etag}"'
    response.headers["Last-Modified"] = _http_date(last_modified)
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
            if _not_modified(etag, last_modified):
                return _validate(Response(status=304), etag, last_modified, max_age)
            cache: PageCache = current_app.extensions["kb_page_cache"]
            hit = cache.get(etag)
            if hit is not None:
                response = Response(hit.body, mimetype=hit.mimetype, headers=list(hit.headers))
                _offer_fast_path(etag, daily, stamp, hit.body)
                return _validate(response, etag, last_modified, max_age)
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified:
                return response
            if not response.is_streamed:
                keep = tuple((k, v) for k, v in response.headers.items()
                             if k.lower() in ("content-disposition", "link", "x-total-count"))
                body = response.get_data()
                cache.put(etag, CachedPage(body, response.mimetype or "text/html", keep))
                _offer_fast_path(etag, daily, stamp, body)
            return _validate(response, etag, last_modified, max_age)
        return wrapper
    return decorate


# The fast path ------------------------------------------------------------------------------

@dataclass(frozen=True)
class FastEntry:
    """A validated public page as last sent, for :class:`FastPath` to send again."""

    etag: str
    daily: bool
    stamp: str
    day: dt.date
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _offer_fast_path(etag: str, daily: bool, stamp: DataStamp, body: bytes) -> None:
    """Let :class:`FastPath` keep this response (it adds the final headers on the way out)."""
    if "HTTP_COOKIE" not in request.environ:
        request.environ["kb.fast_entry"] = FastEntry(etag, daily, stamp.token, dt.date.today(), body)


# Headers that belong to one response only; a repeated page gets fresh ones.
_ONE_OFF = frozenset({"date", "set-cookie", "x-request-id", "server"})
_BODY_HEADERS = frozenset({"content-length", "content-type", "content-disposition"})
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")  # as kb.logging_setup accepts


class FastPath:
    """WSGI middleware: a small in-process shared cache in front of Flask.

    For an anonymous request (no cookie at all) of a URL whose page :func:`cached_view`
    validated before, it answers from memory — 304 when the validators match, else the same
    bytes — as long as the data stamp, the day (for daily pages) and the deploy are the
    same. Everything else, and every miss, goes to the app. Editors always carry a session
    cookie, so they never get here. Headers (security headers included) are those of the
    response the app sent for the URL.
    """

    def __init__(self, wsgi_app: Callable, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.store = PageCache(int(app.config["PAGE_CACHE_SIZE"]))

    @staticmethod
    def _key(environ: dict) -> tuple[str, ...] | None:
        if (environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or "HTTP_COOKIE" in environ
                or "HTTP_RANGE" in environ or "HTTP_AUTHORIZATION" in environ):
            return None
        return tuple(environ.get(name, "") for name in (
            "wsgi.url_scheme", "HTTP_HOST", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PROTO",
            "HTTP_X_FORWARDED_PREFIX", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING"))

    def _current(self, entry: FastEntry) -> bool:
        stamps: StampCache = self.app.extensions["kb_stamp_cache"]
        stamp = stamps.peek()
        if stamp is None:
            try:
                with self.app.app_context():
                    stamp = stamps.get()
            except SQLAlchemyError:  # database away: the app answers (a Swedish 503)
                return False
        return stamp.token == entry.stamp and (not entry.daily or entry.day == dt.date.today())

    def __call__(self, environ: dict, start_response: Callable):
        key = self._key(environ)
        if key is None:
            return self.wsgi_app(environ, start_response)
        entry = self.store.get(key)
        if entry is not None and self._current(entry):
            return self._answer(entry, environ, start_response)
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list, exc_info: Any = None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        body = self.wsgi_app(environ, capture)
        fresh: FastEntry | None = environ.get("kb.fast_entry")
        if fresh is not None and captured.get("status", "").startswith("200"):
            headers = tuple((k, v) for k, v in captured["headers"] if k.lower() not in _ONE_OFF)
            if not any(k.lower() == "set-cookie" for k, _ in captured["headers"]):
                self.store.put(key, FastEntry(**{**fresh.__dict__, "headers": headers}))
        return body

    def _answer(self, entry: FastEntry, environ: dict, start_response: Callable) -> list[bytes]:
        incoming = environ.get("HTTP_X_REQUEST_ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        if_none_match = environ.get("HTTP_IF_NONE_MATCH")
        if if_none_match is not None and (f'"{entry.etag}"' in if_none_match or if_none_match.strip() == "*"):
            headers = [(k, v) for k, v in entry.headers if k.lower() not in _BODY_HEADERS]
            start_response("304 NOT MODIFIED", [*headers, ("X-Request-ID", request_id)])
            return []
        if if_none_match is None and "HTTP_IF_MODIFIED_SINCE" in environ:
            return self.wsgi_app(environ, start_response)  # rare: let the app compare dates
        start_response("200 OK", [*entry.headers, ("X-Request-ID", request_id)])
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [entry.body]


def apply_cache_policy(response: Response) -> Response:
    """After every request: editors never get a stored page; anonymous public GETs may."""
    if request.method not in ("GET", "HEAD") or request.endpoint == "static":
        return response
    if _personal_request():
        response.headers["Cache-Control"] = "private, no-store"
        _add_vary_cookie(response)
        return response
    if (request.blueprint not in PUBLIC_BLUEPRINTS or response.status_code not in CACHEABLE_STATUS
            or session.modified or "Set-Cookie" in response.headers):
        return response
    if "Cache-Control" not in response.headers:
        _mark_public(response)
    elif "public" not in response.headers["Cache-Control"]:
        return response  # the view chose (e.g. no-store): leave it
    if response.status_code == 200 and not response.is_streamed and "ETag" not in response.headers:
        response.add_etag(weak=True)  # other public pages: 304 from a hash of the body
        if "If-None-Match" in request.headers or "If-Modified-Since" in request.headers:
            response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("PUBLIC_MAX_AGE", 60)
    app.config.setdefault("PAGE_CACHE_SIZE", 256)
    app.config.setdefault("STAMP_TTL", 1.0)
    app.extensions["kb_stamp_cache"] = StampCache(float(app.config["STAMP_TTL"]))
    if not event.contains(db.session, "after_commit", _forget_stamp):
        event.listen(db.session, "after_commit", _forget_stamp)
    app.extensions["kb_page_cache"] = PageCache(int(app.config["PAGE_CACHE_SIZE"]))
    app.extensions["kb_build_token"] = _build_token(app)
    app.after_request(apply_cache_policy)
    if app.config.setdefault("FAST_PATH", True):
        app.wsgi_app = FastPath(app.wsgi_app, app)
