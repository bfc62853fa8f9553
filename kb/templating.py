"""Template filters and globals: Swedish dates, status labels, the site's navigation."""
from __future__ import annotations

import datetime as dt
import logging
import os

from flask import Flask, request, url_for
from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

from kb.dates import swedish_date
from kb.markup import MAX_SOURCE_LENGTH
from kb.routing import query_args
from kb.slugs import slugify
from kb.urls import absolute_url

log = logging.getLogger(__name__)


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's compiled templates on disk (written atomically, keyed by the source's checksum,
    so an edited template is compiled afresh). A cache that cannot be read or written is
    passed by: the template is compiled as without one, and the page is served."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except (OSError, EOFError, ValueError, TypeError) as exc:  # unreadable or damaged
            log.warning("template cache: %s not read (%s)", bucket.key, exc)
            bucket.reset()

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError as exc:  # full or read-only disk
            log.warning("template cache: %s not written (%s)", bucket.key, exc)


def _template_cache(directory: str) -> TemplateCache | None:
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
    except OSError as exc:
        log.warning("template cache %s unusable (%s): templates are compiled in each worker",
                    directory, exc)
        return None
    return TemplateCache(directory)


def url_for_page(page: int) -> str:
    """The current URL with another ``page`` in its query string (keeps filters)."""
    args = query_args()
    args["page"] = [str(page)]
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
    app.jinja_env.bytecode_cache = _template_cache(app.config["TEMPLATE_CACHE_DIR"])
    app.jinja_env.filters["datum"] = swedish_date
    app.jinja_env.filters["slug"] = slugify
    app.jinja_env.globals["url_for_page"] = url_for_page
    app.jinja_env.globals["absolute_url"] = absolute_url
    from kb.sharing.privacy import public_contacts  # kb.sharing imports this module

    app.jinja_env.globals["public_contacts"] = public_contacts
    app.jinja_env.globals["max_body_length"] = MAX_SOURCE_LENGTH
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site() -> dict:
        return {
            "site_name": app.config["SITE_NAME"],
            "publisher_name": app.config["PUBLISHER_NAME"] or app.config["SITE_NAME"],
            "contact_email": app.config["CONTACT_EMAIL"],
            "today": dt.date.today(),
        }
