"""HTTP caching for readers: validators, 304s and ``Cache-Control``.

Anonymous readers get ``public, max-age=…`` so the reverse proxy (deploy/nginx) and browsers
may keep a page for a short while; logged-in editors get ``private, no-store`` so they see
their own changes at once. Pages are stored by nginx, never in the app: every request goes
through Flask, its hooks, the limiter and the request log.

Views wrapped in :func:`cached_view` (case pages, feeds, open data) get an ETag and a
Last-Modified derived from the *content version* (kb/models/content.py), which every change
to public data bumps in its own transaction. A conditional request then costs one primary-key
read (shared by a worker's requests for ``STAMP_TTL`` seconds) and never renders anything.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import importlib.metadata
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from flask import Flask, Response, current_app, has_app_context, make_response, request, session
from flask_login import current_user
from sqlalchemy import event
from werkzeug.http import is_resource_modified

from kb.dates import EPOCH, as_utc
from kb.extensions import db
from kb.models import content

# Blueprints whose anonymous GET responses a shared cache may keep for a short while.
PUBLIC_BLUEPRINTS = frozenset({"public", "sharing", "api"})
CACHEABLE_STATUS = frozenset({200, 301, 308})
PACKAGE = "kunskapsbanken"


@dataclass(frozen=True)
class DataStamp:
    """The content version and when it last changed."""

    version: int
    updated: dt.datetime

    @property
    def token(self) -> str:
        return str(self.version)




class StampCache:
    """The data stamp, shared by a worker's requests for ``STAMP_TTL`` seconds.

    A commit in this process forgets the stamp at once; another worker's commit shows after
    at most ``STAMP_TTL`` (editors, who bypass all caching, see every change immediately).
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
            version, changed_at = content.current(conn)
        value = DataStamp(version, as_utc(changed_at) if changed_at else EPOCH)
        with self._lock:
            self._value, self._read_at = value, now
        return value

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


def _forget_stamp(_session: Any) -> None:
    """After any commit in this process: the next request reads the stamp afresh."""
    cache = current_app.extensions.get("kb_stamp_cache") if has_app_context() else None
    if cache is not None:
        cache.forget()


def is_editor() -> bool:
    """Logged-in users see drafts and their own changes: never share or keep their pages."""
    return bool(getattr(current_user, "is_authenticated", False))


def _personal_request() -> bool:
    """A logged-in editor, or a reader with a message waiting. Without any cookie neither
    can be the case, and the session and user need not be loaded."""
    if "HTTP_COOKIE" not in request.environ:
        return False
    return is_editor() or "_flashes" in session


def release_token(folders: list[str]) -> str:
    """The release: the package version and a hash of the files in ``folders`` (templates,
    static files) by relative path and content, so every node running the same release
    gives the same token wherever it is installed."""
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = "unknown"
    digest = hashlib.sha256(version.encode())
    for folder in folders:
        for base, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(files):
                path = os.path.join(base, name)
                digest.update(os.path.relpath(path, folder).encode() + b"\0")
                with open(path, "rb") as fh:
                    digest.update(hashlib.sha256(fh.read()).digest())
    return f"{version}-{digest.hexdigest()[:12]}"


@functools.lru_cache(maxsize=2)
def _build_token(folders: tuple[str, ...]) -> str:
    """A process runs one release: its files are hashed once, however many apps it builds
    (the test suite builds one per test)."""
    return release_token(list(folders))


def _folders(app: Flask) -> list[str]:
    folders = [app.template_folder, app.static_folder]
    return [os.path.join(app.root_path, f) for f in folders if f]


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


def _not_modified(etag: str, last_modified: dt.datetime) -> bool:
    """True when the request's validators match: If-None-Match by weak comparison ("*"
    matches too), which wins over If-Modified-Since (RFC 9110)."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(etag)
    if request.if_modified_since:
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
    response.headers["Cache-Control"] = f"public, max-age={public_max_age() if max_age is None else max_age}"
    _add_vary_cookie(response)
    return response


def _validate(response: Response, etag: str, last_modified: dt.datetime, max_age: int | None) -> Response:
    response.set_etag(etag, weak=True)
    response.last_modified = last_modified
    return _mark_public(response, max_age)


def cached_view(*, daily: bool = False, max_age: int | None = None) -> Callable:
    """Give a public GET view an ETag and Last-Modified from the content version, and
    answer 304s without calling it.

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
            response = make_response(view(*args, **kwargs))
            if response.status_code != 200 or session.modified:
                return response
            return _validate(response, etag, last_modified, max_age)
        return wrapper
    return decorate


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
    app.extensions["kb_stamp_cache"] = StampCache(float(app.config["STAMP_TTL"]))
    if not event.contains(db.session, "after_commit", _forget_stamp):
        event.listen(db.session, "after_commit", _forget_stamp)
    app.extensions["kb_build_token"] = _build_token(tuple(_folders(app)))
    app.after_request(apply_cache_policy)
