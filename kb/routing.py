"""URL matching and building that no request can break.

Integers in URLs and query strings are bounded by what a database column holds, so a huge
number is a 404 (or the default), never an overflow. Only ordinary parameter names from the
query string are passed on to ``url_for``: ``endpoint``, ``_external``, ``_anchor`` and the
names of the view's own arguments would change what is built, or make it fail.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask import Flask, request
from werkzeug.routing import IntegerConverter

# An INTEGER column in PostgreSQL (and every id here) holds at most this.
MAX_INT = 2**31 - 1
_PARAM_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_RESERVED = frozenset({"endpoint", "values", "method"})


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` that does not match numbers above :data:`MAX_INT` (so they are a 404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002
                 max: int | None = MAX_INT, signed: bool = False) -> None:  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def int_arg(name: str, default: int | None = None, low: int = 0) -> int | None:
    """A query-string integer from ``low`` to :data:`MAX_INT`, else ``default``."""
    raw = request.args.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 10:  # "²" and "₀" are digits to isdigit()
        return default
    value = int(raw)
    return value if low <= value <= MAX_INT else default


def query_args(exclude: Iterable[str] = ()) -> dict[str, Any]:
    """The query string as ``url_for`` keywords (name → list of values), without names that
    are not ours to pass on."""
    skip = set(exclude) | _RESERVED | set(request.view_args or {})
    return {key: values for key, values in request.args.lists()
            if key not in skip and _PARAM_NAME.fullmatch(key)}


def init_app(app: Flask) -> None:
    """Call before blueprints are registered: rules look up their converters when added."""
    app.url_map.converters["int"] = BoundedIntegerConverter
