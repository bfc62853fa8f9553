"""Sharing and following: link previews, feeds, citations, versions, sitemap and open data.

``init_app`` registers the blueprint (feeds, permalinks, preview images, sitemap, robots,
DCAT) and the template helpers the public pages use in their ``<head>``.
"""
from __future__ import annotations

import datetime as dt
import os

from flask import Blueprint, Flask

from kb.dates import iso_utc, swedish_date

bp = Blueprint("sharing", __name__)



def init_app(app: Flask) -> None:
    """Register the blueprint and the template globals for link previews and sharing."""
    from kb.sharing import citation, meta, preview_image, routes  # noqa: F401  (routes attach to bp)

    dirs = app.config["PREVIEW_FONT_DIRS"]
    app.extensions["kb_preview_fonts"] = preview_image.font_dir(
        tuple(dirs.split(os.pathsep)) if isinstance(dirs, str) else tuple(dirs or preview_image.FONT_DIRS)
    )
    app.register_blueprint(bp)
    app.jinja_env.filters["datum_iso"] = _iso_date
    app.jinja_env.globals.update(
        page_url=meta.page_url,
        iso_utc=iso_utc,
        feed_links=meta.feed_links,
        default_image=meta.default_image,
        case_image=meta.case_image,
        case_json_ld=meta.case_json_ld,
        list_json_ld=meta.list_json_ld,
        website_json_ld=meta.website_json_ld,
        case_citation=citation.case_citation,
    )


def _iso_date(value: str | None) -> str:
    """``"2023-05-02"`` (as stored in a revision) → ``2 maj 2023``."""
    return swedish_date(dt.date.fromisoformat(value)) if value else ""
