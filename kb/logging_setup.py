"""Logging: readable lines by default, JSON lines with ``KB_LOG_FORMAT=json``.

JSON lines carry the time, level, logger, message, the request (method, path, remote
address, request id) when there is one, and the traceback of an exception, so a log
shipper can index them without parsing free text.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import uuid
from typing import Any

from flask import Flask, g, has_request_context, request

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
# One-time links (password reset, invitation, alert confirmation and management): the token
# is the credential, so it never reaches a log line, an access log or a logged Referer.
_TOKEN_IN_PATH = re.compile(r"(/(?:losenord|bevakning(?:/bekrafta|/avsluta)?)/)[^/?#\s\"']+")
_TOKEN_IN_QUERY = re.compile(r"((?:^|[?&\s])(?:token|key)=)[^&#\s\"']+", re.I)
SCRUBBED = "[dolt]"
# Attributes every LogRecord has; anything else was passed through ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        entry.update({k: v for k, v in vars(record).items()
                      if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def scrub_tokens(text: str) -> str:
    """``/losenord/abc…`` → ``/losenord/[dolt]`` (and ``?token=…``), anywhere in ``text``."""
    if "/" not in text and "=" not in text:
        return text
    return _TOKEN_IN_QUERY.sub(r"\1" + SCRUBBED, _TOKEN_IN_PATH.sub(r"\1" + SCRUBBED, text))


class RequestContextFilter(logging.Filter):
    """Adds the current request to records logged while handling one, and takes one-time
    tokens out of every record (the development server logs request lines too)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context() and not hasattr(record, "path"):
            record.method = request.method
            record.path = scrub_tokens(request.path)
            record.remote_addr = request.remote_addr
            record.request_id = g.get("request_id", "")
        if getattr(record, "kb_keep_tokens", False):  # the mail fallback in development only
            return True
        message = record.getMessage()
        scrubbed = scrub_tokens(message)
        if scrubbed != message:
            record.msg, record.args = scrubbed, None
        return True


class DevServerBannerFilter(logging.Filter):
    """Takes werkzeug's red "WARNING: This is a development server" line out of its start-up
    message (which goes on with " * Running on …"): `make run` is the documented way to try
    Kunskapsbanken and serve a small team (README, "Drift"), so a first start should not look
    like an alarm."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = str(record.msg)
        if "This is a development server" in message:
            kept = [line for line in message.split("\n") if "This is a development server" not in line]
            if not kept:
                return False
            record.msg = "\n".join(kept)
        return True


def log_format() -> str:
    return "json" if os.environ.get("KB_LOG_FORMAT", "").lower() == "json" else "text"


def make_formatter(fmt: str | None = None) -> logging.Formatter:
    chosen = (fmt or log_format()).lower()
    return JsonFormatter() if chosen == "json" else logging.Formatter(TEXT_FORMAT)


def configure_logging(fmt: str | None = None) -> None:
    """Give the root logger one stderr handler in the chosen format (idempotent)."""
    root = logging.getLogger()
    handler = next((h for h in root.handlers if getattr(h, "_kb", False)), None)
    if handler is None:
        if root.handlers:  # someone (pytest, gunicorn, an embedding app) already set up logging
            for existing in root.handlers:
                _add_filter(existing)
            return
        handler = logging.StreamHandler()
        handler._kb = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(make_formatter(fmt))
    _add_filter(handler)


def _add_filter(handler: logging.Handler) -> None:
    if not any(isinstance(f, RequestContextFilter) for f in handler.filters):
        handler.addFilter(RequestContextFilter())


def init_app(app: Flask) -> None:
    """Set up logging for ``app`` and tag every request with an id (echoed in a header)."""
    configure_logging(app.config["LOG_FORMAT"])
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, DevServerBannerFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(DevServerBannerFilter())
    logging.getLogger("kb").setLevel(str(app.config["LOG_LEVEL"]).upper())

    @app.before_request
    def assign_request_id() -> None:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        # Trust a proxy's id only when it looks like one (no log injection).
        ok = 0 < len(incoming) <= 64 and all(c.isalnum() or c in "-_." for c in incoming)
        g.request_id = incoming if ok else uuid.uuid4().hex

    @app.after_request
    def echo_request_id(response):
        if "request_id" in g:
            response.headers[REQUEST_ID_HEADER] = g.request_id
        return response
