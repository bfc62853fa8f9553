"""The one Markdown renderer and sanitizer. Runs when a case is saved, never per request."""
from __future__ import annotations

import re
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

# Markdown's output for plain prose: attribute-free tags of these kinds, and text with no
# character the cleaner would touch (only &amp; &lt; &gt; as references, no controls) and
# nothing the linkifier could take for an address (no "." or ":" before a letter or digit).
_TAG = re.compile(r"<(/?)([a-z0-9]+)>")
_PLAIN = re.compile(r"(?:[^<>&.:\x00-\x08\x0b-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]"
                    r"|&(?:amp|lt|gt);|\.(?!\w)|:(?![\w/])|<(?:/?[a-z0-9]+)>)*")
_INLINE = frozenset({"strong", "em", "b", "i", "code", "br"})
_HEADINGS = frozenset({"h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset({"p", "ul", "ol", "blockquote", "hr"}) | _HEADINGS
# Parent → the tags it may hold here. Only block-free nesting the HTML parser keeps as it is
# (no block in a paragraph, list items only in lists, nothing mis-nested).
_CHILDREN: dict[str | None, frozenset[str]] = {
    None: _BLOCKS | _INLINE,
    "blockquote": _BLOCKS,
    "ul": frozenset({"li"}),
    "ol": frozenset({"li"}),
    "li": frozenset({"p", "ul", "ol", "blockquote"}) | _INLINE,
    **{tag: _INLINE for tag in _INLINE | _HEADINGS | {"p"}},
}
_VOID = frozenset({"br", "hr"})


def _already_clean(html: str) -> bool:
    """True when the cleaner would hand ``html`` back unchanged: allowed tags without
    attributes, nested where the HTML parser keeps them, and plain text.

    The cleaner (an HTML5 parse and re-serialisation) costs as much as the Markdown
    conversion, and most cases are plain prose that needs neither sanitising nor links."""
    if _PLAIN.fullmatch(html) is None:
        return False
    stack: list[str] = []
    for match in _TAG.finditer(html):
        closing, tag = match.groups()
        if closing:
            if tag in _VOID or not stack or stack.pop() != tag:
                return False
        elif tag not in _CHILDREN.get(stack[-1] if stack else None, ()):
            return False
        elif tag not in _VOID:
            stack.append(tag)
    return not stack


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to show as it is."""
    html = _renderer.markdown.reset().convert(source or "")
    if _already_clean(html):
        return html
    return _renderer.cleaner.clean(html)
