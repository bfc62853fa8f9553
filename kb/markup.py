"""The one Markdown renderer and sanitizer. Runs when a case is saved, never per request.

Python-Markdown and html5lib (under bleach) are fast on prose but superlinear on some shapes
of input: thousands of unmatched ``[`` or ``(``, thousands of raw tags, deep nesting. So the
source is bounded and checked in linear time before either sees it, and text that would cost
too much is refused with a Swedish message (``MarkupRefused``) instead of rendered. Everything
that is rendered goes through the cleaner; there is no shortcut around it.
"""
from __future__ import annotations

import re
import threading
from collections.abc import MutableMapping
from functools import partial
from urllib.parse import urlparse

import markdown
from bleach.linkifier import LinkifyFilter, build_url_re
from bleach.sanitizer import Cleaner

ALLOWED_TAGS = frozenset({
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "strong", "em", "b", "i",
    "a", "blockquote", "code", "pre", "abbr", "sup", "sub",
})
ALLOWED_ATTRIBUTES = {"a": ["href", "title", "rel"], "abbr": ["title"]}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
# Not "extra": its footnotes, abbreviations, definition lists, tables, fenced code and
# markdown-in-HTML each have inputs that take seconds (or end in RecursionError), and case
# texts use none of them.
MARKDOWN_EXTENSIONS = ["sane_lists"]

# The largest Markdown text the renderer takes; with the checks below the worst input of this
# size renders in well under a second (tests/security/test_markdown_bombs.py).
MAX_SOURCE_LENGTH = 15_000
MAX_TAGS = 200
MAX_QUOTE_DEPTH = 16
MAX_LIST_DEPTH = 16
MAX_BLOCK_LINES = 400
# Emphasis markers (* and _) in one paragraph: Python-Markdown's inline patterns retry on each
# of them, so thousands in one block cost up to a second ("**_*_*_…").
MAX_EMPHASIS = 500
# Characters the link parser may scan from each "[" to its "]" and each "(" to its ")".
MAX_BRACKET_SCAN = 300_000

# Only these protocols are linkified; no bare domain right after another scheme's "//" or ":".
_URL_RE = build_url_re(protocols=sorted(ALLOWED_PROTOCOLS))
_URL_RE = re.compile(r"(?<![/:])" + _URL_RE.pattern, _URL_RE.flags)
_TAG = re.compile(r"<[A-Za-z/!?]")
_DEEP_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]*){" + str(MAX_QUOTE_DEPTH + 1) + "}", re.M)
_LIST_ITEM = re.compile(r"^([ \t]*)(?:[-*+]|\d+[.)])[ \t]", re.M)
_BLANK_LINE = re.compile(r"\n[ \t]*\n")
_BRACKETS = {"[": re.compile(r"[\[\]]"), "(": re.compile(r"[()]")}


class MarkupRefused(ValueError):
    """The text is not rendered; ``message`` says why, in Swedish, for the person who wrote it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _external_rel(attrs: MutableMapping[tuple[str | None, str], str],
                  new: bool = False) -> MutableMapping[tuple[str | None, str], str]:
    """Give links that leave the site (``https://…``, ``//host/…``) ``rel="noopener noreferrer"``."""
    href = attrs.get((None, "href"), "")
    parsed = urlparse(href)
    if parsed.scheme in ("http", "https") or (not parsed.scheme and parsed.netloc):
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
                          parse_email=False, url_re=_URL_RE)
        self.cleaner = Cleaner(tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                               protocols=ALLOWED_PROTOCOLS, strip=True, strip_comments=True,
                               filters=[linkify])


_renderer = _Renderer()


def _scan_cost(text: str, opening: str) -> int:
    """How far the link parser reads from each ``opening`` bracket: to its partner, or to the
    end of the block when it has none (that is what makes ``"[" * n`` quadratic)."""
    stack: list[int] = []
    cost = 0
    for match in _BRACKETS[opening].finditer(text):
        if match.group() == opening:
            stack.append(match.start())
        elif stack:
            cost += match.start() - stack.pop()
    return cost + sum(len(text) - start for start in stack)


def _list_depth(source: str) -> int:
    """Nesting of list items, from their indentation: Python-Markdown nests every 4 columns,
    counting every 2 stays on the safe side."""
    widths = (len(m.group(1).expandtabs(4)) for m in _LIST_ITEM.finditer(source))
    return max((w // 2 for w in widths), default=0) + 1


def markdown_problem(source: str) -> str | None:
    """Why ``source`` would cost too much to render (a Swedish sentence), or ``None``.

    Linear in the length of ``source``, and the length is checked first."""
    if len(source) > MAX_SOURCE_LENGTH:
        return f"Texten får vara högst {MAX_SOURCE_LENGTH:,} tecken (nu {len(source):,}).".replace(",", " ")
    if len(_TAG.findall(source)) > MAX_TAGS:
        return f"Texten innehåller för många HTML-taggar (högst {MAX_TAGS})."
    if _DEEP_QUOTE.search(source):
        return f"Citaten är nästlade i för många nivåer (högst {MAX_QUOTE_DEPTH})."
    if _list_depth(source) > MAX_LIST_DEPTH:
        return f"Listorna är nästlade i för många nivåer (högst {MAX_LIST_DEPTH})."
    blocks = _BLANK_LINE.split(source)
    if any(block.strip("\n").count("\n") >= MAX_BLOCK_LINES for block in blocks):
        return (f"Ett stycke eller en lista har fler än {MAX_BLOCK_LINES} rader i följd. "
                "Dela upp texten med tomma rader.")
    if any(block.count("*") + block.count("_") > MAX_EMPHASIS for block in blocks):
        return (f"Ett stycke har fler än {MAX_EMPHASIS} tecken * och _. "
                "Dela upp texten med tomma rader.")
    if sum(_scan_cost(block, "[") + _scan_cost(block, "(") for block in blocks) > MAX_BRACKET_SCAN:
        return "Texten innehåller för många hakparenteser eller parenteser som inte avslutas."
    return None


def render_markdown(source: str) -> str:
    """Render Markdown to HTML that is safe to show as it is.

    Raises :class:`MarkupRefused` for text the checks above turn away."""
    source = source or ""
    problem = markdown_problem(source)
    if problem:
        raise MarkupRefused(problem)
    try:
        html = _renderer.markdown.reset().convert(source)
    except RecursionError:
        _renderer.markdown = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
        raise MarkupRefused("Texten är nästlad i för många nivåer för att kunna visas.") from None
    return _renderer.cleaner.clean(html)
