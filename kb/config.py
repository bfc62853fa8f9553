"""Configuration: defaults, then ``KB_*`` environment variables, or a test mapping."""
from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from kb.urls import OriginError, parse_origin

DEV_SECRET_KEY = "dev-only-not-secret"
DEV_BASE_URL = "http://127.0.0.1:5000"
LOCAL_ORIGIN = "http://localhost"  # production without KB_BASE_URL: local host names only
# Names a developer or a test client uses for this machine; accepted only in development.
LOCAL_HOSTS = ("localhost", "127.0.0.1")


class ConfigError(RuntimeError):
    """A setting production needs is missing or unusable; the message says which."""


class Config:
    """Every setting's default, for every environment (``KB_<NAME>`` overrides it); paths
    left at ``None`` are filled in from the instance folder by :func:`load_config`."""

    SECRET_KEY: str | None = None
    DATABASE_URL: str | None = None
    INDEX_DIR: str | None = None
    # Where generated link-preview cards are kept (default: <instance>/previews).
    PREVIEW_DIR: str | None = None
    # Compiled templates (Jinja's bytecode cache), shared by a node's workers and restarts, so
    # a new worker does not compile every template again (default: <instance>/template-cache).
    TEMPLATE_CACHE_DIR: str | None = None
    # Font folders for preview cards (os.pathsep-separated); None: kb/sharing/preview_image.py.
    PREVIEW_FONT_DIRS: str | None = None
    LOG_FORMAT: str | None = None  # "json" for JSON lines; None: KB_LOG_FORMAT, else text
    LOG_LEVEL = "INFO"
    SITE_NAME = "Kunskapsbanken"
    # The site's origin (KB_BASE_URL): every absolute URL is built on it (kb/urls.py) and
    # requests for other hosts are refused. Required in production.
    BASE_URL: str | None = None
    # More host names to accept (KB_TRUSTED_HOSTS, comma-separated), e.g. the www. alias.
    TRUSTED_HOSTS: list[str] | str | None = None
    PER_PAGE = 20
    REVIEW_MAX_AGE_DAYS = 730
    # Four eyes: a case is published by someone other than the author of its last content
    # change (an admin may override with a reason, recorded in the audit log).
    REVIEW_FOUR_EYES = True
    # Worker processes that parse and render bulk imports: turned on by `kb import` only,
    # never in a web worker (kb/workers.py).
    BULK_WORKERS = False
    # A form's security token lasts a working day; an older form asks to be reloaded.
    WTF_CSRF_TIME_LIMIT = 8 * 3600
    # An editor's session ends after 12 idle hours (re-signed on every request, kb/security.py);
    # "remember me" lasts at most 14 days and is not extended by use.
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = 14 * 24 * 3600
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # Whoosh writer lock: how long to wait for another process before leaving the work to it.
    INDEX_LOCK_TIMEOUT = 5.0
    # Search reads Whoosh's files directly (kb/search/fastpath.py); 0: Whoosh's public API only.
    SEARCH_FAST_PATH = True
    # Apply pending index changes when the app starts (tests that build many apps turn it off).
    SEARCH_CATCH_UP_ON_START = True
    # Applied change-log rows are deleted once this old: every node has its own index fed by
    # the same log, and a node that is down must still find the rows it has not applied when
    # it comes back (one down for longer needs `kb reindex`).
    INDEX_CHANGES_KEEP_DAYS = 7.0
    # HTTP caching (kb/caching.py): max-age for anonymous readers, how long a worker trusts
    # its content version before reading it again.
    PUBLIC_MAX_AGE = 60
    STAMP_TTL = 1.0
    # Sharing (kb/sharing): entries per feed, URLs per sitemap file, DCAT-AP-SE publisher.
    FEED_SIZE = 50
    SITEMAP_CHUNK = 40_000
    PUBLISHER_NAME: str | None = None
    # ADMS publisher type (http://purl.org/adms/publishertype/…).
    PUBLISHER_TYPE = "PublicBody"
    CONTACT_EMAIL: str | None = None
    DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Failed logins (and invalid login forms) allowed before 429 (Flask-Limiter syntax): on one
    # account from one address, from one address on any accounts, and on one account from all
    # addresses that have failed on it (kb/editor/auth_routes.py, SECURITY.md).
    LOGIN_LIMIT_ACCOUNT = "5 per 15 minutes"
    LOGIN_LIMIT_ADDRESS = "20 per 15 minutes"
    LOGIN_LIMIT_ACCOUNT_TOTAL = "30 per hour"
    PASSWORD_RESET_LIMIT = "5 per hour"
    SUGGEST_LIMIT = "5 per hour"
    # Anonymous searches that found little, counted for the editors (per address).
    SEARCH_MISS_LIMIT = "30 per hour"
    # Live previews per editor (each renders up to a whole case text).
    PREVIEW_LIMIT = "60 per minute"
    # Request bodies: no form here needs more (a case text is at most 15,000 characters).
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 512 * 1024
    MAX_FORM_PARTS = 500
    ALERT_LIMIT_ADDRESS = "20 per hour"  # alert sign-ups from one client address
    ALERT_LIMIT_EMAIL = "5 per hour"  # sign-ups naming one e-mail address
    PDF_LIMIT = "20 per 10 minutes"  # PDF downloads (lists and cases) from one client address
    PASSWORD_HASH_METHOD = "scrypt"
    INVITE_TOKEN_HOURS = 7 * 24
    RESET_TOKEN_HOURS = 2
    # Reverse proxies in front of the app whose X-Forwarded-* headers are trusted (0 = none).
    PROXY_COUNT = 0
    MAIL_SERVER: str | None = None
    MAIL_PORT = 587
    MAIL_USE_TLS = True
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_SENDER = "Kunskapsbanken <noreply@localhost>"


class TestingConfig(Config):
    """Settings for the test-suite: fast hashing, no CSRF unless a test turns it on."""

    TESTING = True
    SECRET_KEY = "testing"
    BASE_URL = "http://kb.test"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def load_config(app: Flask, test_config: dict[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment (``KB_*``) or a test mapping."""
    if test_config is None:
        app.config.from_object(Config)
        app.config.from_prefixed_env("KB")
    else:
        app.config.from_object(TestingConfig)
        app.config.from_mapping(test_config)

    os.makedirs(app.instance_path, exist_ok=True)
    if not app.config.get("DATABASE_URL"):
        path = os.path.join(app.instance_path, "kb.sqlite3")
        app.config["DATABASE_URL"] = "sqlite:///" + path
    if not app.config.get("INDEX_DIR"):
        app.config["INDEX_DIR"] = os.path.join(app.instance_path, "index")
    if not app.config.get("PREVIEW_DIR"):
        app.config["PREVIEW_DIR"] = os.path.join(app.instance_path, "previews")
    if not app.config.get("TEMPLATE_CACHE_DIR"):
        app.config["TEMPLATE_CACHE_DIR"] = os.path.join(app.instance_path, "template-cache")
    app.config["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(app.config["DATABASE_URL"])
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"connect_args": {"timeout": 30}}
    _require_secret_key(app)
    _configure_origin(app)


def is_dev(app: Flask) -> bool:
    """Development mode: ``KB_DEV=1`` (``make run``, the tests) or Flask's debug mode."""
    return bool(app.debug or os.environ.get("FLASK_DEBUG") == "1" or os.environ.get("KB_DEV") == "1")


def _normalise_db_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _require_secret_key(app: Flask) -> None:
    if app.config.get("SECRET_KEY"):
        return
    if is_dev(app):
        app.config["SECRET_KEY"] = DEV_SECRET_KEY
        return
    raise ConfigError(
        "KB_SECRET_KEY saknas: sätt en lång slumpsträng i produktion, t.ex. "
        "KB_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'). "
        "KB_SECRET_KEY must be set in production (set KB_DEV=1 for local development)."
    )


def _configure_origin(app: Flask) -> None:
    """Check ``BASE_URL`` and derive Flask's ``TRUSTED_HOSTS`` from it (plus extra names)."""
    local = is_dev(app) or app.testing
    base = app.config.get("BASE_URL")
    # Without KB_BASE_URL the app answers local host names only: enough for the `kb` command
    # and in-process use; `kb serve`, gunicorn.conf.py and `kb mail send` refuse to run.
    app.config["ORIGIN_CONFIGURED"] = bool(base)
    if not base:
        base = DEV_BASE_URL if local else LOCAL_ORIGIN
        local = True
    try:
        app.config["BASE_URL"] = parse_origin(base)
    except OriginError as exc:
        raise ConfigError(str(exc)) from exc
    parts = urlsplit(app.config["BASE_URL"])
    app.config["PREFERRED_URL_SCHEME"] = parts.scheme
    extra = app.config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [parts.hostname or "", *(name.strip().lower() for name in extra)]
    if local:
        hosts += LOCAL_HOSTS
    app.config["TRUSTED_HOSTS"] = list(dict.fromkeys(name for name in hosts if name))
