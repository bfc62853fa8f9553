"""Template filters and globals: Swedish dates, status labels, the site's navigation."""
from __future__ import annotations

import datetime as dt

from flask import Flask, request, url_for

from kb.dates import swedish_date
from kb.markup import MAX_SOURCE_LENGTH
from kb.routing import query_args
from kb.slugs import slugify
from kb.urls import absolute_url


def url_for_page(page: int) -> str:
    """The current URL with another ``page`` in its query string (keeps filters)."""
    args = query_args()
    args["page"] = [str(page)]
    return url_for(request.endpoint or "", **(request.view_args or {}), **args)


def init_app(app: Flask) -> None:
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
