"""PDF of a reading list or a single case, for a meeting: WeasyPrint on our own templates.

Rendering fetches nothing over the network: the stylesheets are read from kb/static, and the
URL fetcher serves only files under ``/static/`` of the configured origin (anything else,
e.g. an image in a case text, is left out). Documents are tagged (PDF/UA structure) with
``lang="sv"``, so screen readers can read them.
"""
from __future__ import annotations

import datetime as dt
import logging
import mimetypes
import re
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app, render_template
from markupsafe import Markup

from kb.models import Case
from kb.sharing.privacy import public_contacts
from kb.urls import origin

log = logging.getLogger(__name__)

STYLESHEETS = ("css/pdf.css",)
_HEADING = re.compile(r"<(/?)h([1-5])\b")


def _static_dir() -> Path:
    return Path(current_app.static_folder or "").resolve()


def _fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    static = _static_dir()
    site = origin()

    class StaticOnly(URLFetcher):
        """Serves our own static files; refuses every other URL (no network, no file://)."""

        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            parts = urlsplit(url)
            if f"{parts.scheme}://{parts.netloc}" != site or not parts.path.startswith("/static/"):
                raise ValueError(f"not fetched while rendering a PDF: {url[:200]}")
            path = (static / parts.path.removeprefix("/static/")).resolve()
            if static not in path.parents or not path.is_file():
                raise ValueError(f"no such static file: {parts.path[:200]}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=path.read_bytes(), headers={"Content-Type": mime})

    return StaticOnly()


def nested_body(case: Case, shift: int = 1) -> Markup:
    """The case text with its headings one level down (the case title is the h2 of a list)."""
    html = _HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + shift, 6)}", case.body_html or "")
    # body_html went through the one sanitizer (kb/markup.py) when the case was saved.
    return Markup(html)  # noqa: S704  # nosec B704


class PdfUnavailable(RuntimeError):
    """WeasyPrint or the Pango library it needs is not installed on this server."""


def render(title: str, cases: list[Case], single: bool = False) -> bytes:
    """The PDF: a cover (title, date, contents) unless ``single``, then each case."""
    try:
        from weasyprint import CSS, HTML
    except (ImportError, OSError) as exc:  # OSError: Pango's shared library is missing
        log.error("cannot make PDFs: %s", exc)
        raise PdfUnavailable(str(exc)) from exc

    html = render_template("pdf/document.html", title=title, cases=cases, single=single,
                           today=dt.date.today(), nested_body=nested_body, contacts=public_contacts,
                           origin=origin())
    fetcher = _fetcher()
    styles = [CSS(filename=str(_static_dir() / name), url_fetcher=fetcher) for name in STYLESHEETS]
    document = HTML(string=html, base_url=origin(), url_fetcher=fetcher)
    return document.write_pdf(stylesheets=styles, pdf_tags=True,
                              custom_metadata=False, uncompressed_pdf=False)
