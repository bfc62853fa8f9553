"""Absolute URLs from the configured origin (``KB_BASE_URL``), never from the request.

A request's ``Host`` header is chosen by whoever sends it: a link built from it could point a
password-reset mail, a cached page or a feed at another site. Every absolute URL the
application writes goes through :func:`absolute_url` (or :func:`origin` plus a path).
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from werkzeug.sansio.utils import get_current_url


class OriginError(ValueError):
    """``KB_BASE_URL`` is not a usable origin."""


def parse_origin(value: str) -> str:
    """``https://kb.example.se/`` → ``https://kb.example.se``; OriginError if unusable."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OriginError(f"KB_BASE_URL must be an http(s) address such as https://kb.example.se, "
                          f"not {value!r}.")
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise OriginError(f"KB_BASE_URL must be only scheme, host and port (no path, query or "
                          f"user), not {value!r}.")
    try:
        parts.port  # noqa: B018 — raises ValueError on a port out of range
    except ValueError as exc:
        raise OriginError(f"KB_BASE_URL has an invalid port: {value!r}.") from exc
    return f"{parts.scheme}://{parts.netloc.lower()}"


def origin() -> str:
    """Scheme, host and port of the site, without a trailing slash."""
    return current_app.config["BASE_URL"]


def host() -> str:
    """The configured host name (no port)."""
    return urlsplit(origin()).hostname or ""


def absolute_url(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)`` as an absolute URL on :func:`origin`."""
    values.pop("_external", None)  # the origin is ours to add, never the request's
    if has_request_context():
        path = url_for(endpoint, **values)
    else:  # a CLI command or a background job: build the path from the URL map alone
        anchor = values.pop("_anchor", None)
        current_app.inject_url_defaults(endpoint, values)
        adapter = current_app.url_map.bind("localhost", script_name=current_app.config["APPLICATION_ROOT"])
        path = adapter.build(endpoint, values)
        if anchor is not None:
            path += "#" + anchor
    return origin() + path


def request_url(with_query: bool = True) -> str:
    """The current request's URL on :func:`origin` (its path and, optionally, query)."""
    parts = urlsplit(origin())
    return get_current_url(parts.scheme, parts.netloc, request.root_path, request.path,
                           request.query_string if with_query else None)
