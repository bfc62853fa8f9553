"""The one Markdown renderer and sanitizer. Runs when a case is saved, never per request."""
from __future__ import annotations

import threading
from functools import partial
from urllib.parse import urlparse

import markdown
from bleach.linkifier import LinkifyFilter
from bleach.sanitizer import Cleaner

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "a", "blockquote", "code", "pre", "table", "thead", "tbody", "tr", "th", "td", "abbr",
    "dl", "dt", "dd", "sup", "sub",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"], "th": ["align"],
                      "td": ["align"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
MARKDOWN_EXTENSIONS = ["extra", "sane_lists"]


def _external_rel(attrs: dict, new: bool = False) -> dict:
    """Give links that leave the site ``rel="noopener noreferrer"``."""
    href = attrs.get((None, "href"), "")
    if urlparse(href).scheme in ("http", "https"):
        attrs[(None, "rel")] = "noopener noreferrer"
    else:
        attrs.pop((None, "rel"), None)
    return attrs


class _Renderer(threading.local):
    """One Markdown parser and one cleaner per thread: neither is thread-safe, and building
    them anew costs more than rendering a whole case. The cleaner linkifies in the same pass."""

    def __init__(self) -> None:
        self.markdown = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
        linkify = partial(LinkifyFilter, callbacks=[_external_rel], skip_tags={"pre", "code"},
                          parse_email=False)
        self.cleaner = Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                               protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True,
                               filters=[linkify])


_renderer = _Renderer()


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to show as it is."""
    html = _renderer.markdown.reset().convert(source or "")
    return _renderer.cleaner.clean(html)
