"""Markdown bombs: no text a user may save costs more than a fraction of a second to render.

Known slow inputs for Python-Markdown (its issue tracker: #798 nested "[", #1130 spaces after
"[]:", #1617 backtick runs, #1619 many inline links; abbreviation, footnote and definition-list
spam; deep nesting) and for html5lib (thousands of unclosed tags), each at the largest size a
field takes, and the worst inputs the checks in kb/markup.py still let through. Each must be
rendered or refused within 1 s of CPU time (process time, so a busy machine does not matter);
the checks are tuned so the worst takes a few tenths of that.
"""
from __future__ import annotations

import time

import pytest

from kb.markup import (
    MAX_BLOCK_LINES,
    MAX_EMPHASIS,
    MAX_LIST_DEPTH,
    MAX_QUOTE_DEPTH,
    MAX_SOURCE_LENGTH,
    MAX_TAGS,
    MarkupRefused,
    render_markdown,
)

N = MAX_SOURCE_LENGTH


def fill(unit: str, size: int = N) -> str:
    """``unit`` repeated to exactly ``size`` characters."""
    return (unit * (size // len(unit) + 1))[:size]


def blocks(block: str, size: int = N) -> str:
    """As many copies of ``block`` as fit in ``size``, separated by blank lines."""
    return "\n\n".join([block] * max(1, size // (len(block) + 2)))


BOMBS = {
    # Python-Markdown's own tracker
    "open brackets (#798)": fill("["),
    "image openers": fill("!["),
    "spaced brackets": fill("[ "),
    "empty links with open parens": fill("[]("),
    "inline links (#1619)": fill("[link](x)"),
    "reference with spaces (#1130)": "[]:0" + " " * (N - 5) + "0",
    "backtick run (#1617)": fill("`"),
    "unmatched backtick spans (#1617)": fill("`a``"),
    "fence with spaces (#1130)": "```" + " " * (N - 3),
    "angle link title": fill('[a](<b> "x)'),
    # extensions, which are switched off, fed anyway
    "abbreviation spam": "".join(f"*[A{i}]: x\n" for i in range(N // 12))[: N - 40] + " A1" * 10,
    "footnote definitions": fill("[^1]: x\n"),
    "footnote references": "[^1]: x\n\n" + fill("[^1]", N - 9),
    "definition lists (RecursionError)": fill("a\n: b\n"),
    "markdown in html": fill('<div markdown="1">'),
    "attribute lists": fill("{: "),
    "table cells": fill("|a", N // 2) + "\n" + fill("|-", N // 2 - 1),
    "table rows": "|a|b|\n|-|-|\n" + fill("|a|b|\n", N - 12),
    # nesting
    "nested blockquote tags": fill("<blockquote>"),
    "quote markers": fill(">"),
    "spaced quote markers": fill("> "),
    "quotes in lists": fill("> - "),
    "nested lists": "".join("    " * i + "- a\n" for i in range(200))[:N],
    "dash runs": fill("- "),
    # raw html for html5lib
    "unclosed formatting tags": fill("<b>"),
    "unclosed anchors": fill("<a>"),
    "html attributes": fill('<p m="1"'),
    "comments": fill("<!--"),
    # block structure in one block
    "headings in one block": fill("## a\n"),
    "reference definitions": fill("[a]: b\n"),
    "setext headings": fill("a\n=\n"),
    "list items": fill("- a\n"),
    "numbered items": fill("1. a\n"),
    "hard breaks": fill("a  \n"),
    "rules": fill("---\n"),
    # many small elements
    "paragraphs": fill("a\n\n"),
    "emphasis": fill("*a* "),
    "emphasis runs": fill("*a"),
    "mixed emphasis": "**_" + fill("*_", N - 3),
    "underscores": fill("_"),
    "links": fill("[a](http://x.se) "),
    "bare addresses for linkify": fill("http://a.se "),
    "entities": fill("&#"),
    "named entities": fill("&amp;"),
    "escapes": fill("\\["),
    "angle brackets": fill("<"),
    "hashes": fill("#"),
}

# The worst of each kind that the checks still let through.
ALLOWED_WORST = {
    "tags at the limit": fill("a", N - 3 * MAX_TAGS) + "<b>" * MAX_TAGS,
    "quotes at the depth limit": blocks(">" * MAX_QUOTE_DEPTH + " a"),
    "lists at the depth limit": blocks("".join("  " * i + "- a\n" for i in range(MAX_LIST_DEPTH))),
    "headings in long blocks": blocks("## a\n" * (MAX_BLOCK_LINES - 1)),
    "items in long blocks": blocks("- a\n" * (MAX_BLOCK_LINES - 1)),
    "open brackets at the scan limit": blocks("[" * 770, 800) + "\n\n" + fill("a ", N - 802),
    "open parens at the scan limit": blocks("(" * 770, 800) + "\n\n" + fill("a ", N - 802),
    "unclosed links": blocks("[a](b " + "x " * 200),
    "emphasis at the limit": blocks("**_" + "*_" * ((MAX_EMPHASIS - 3) // 2)),
}


def _render_seconds(text: str) -> tuple[float, str]:
    start = time.process_time()
    try:
        render_markdown(text)
        outcome = "rendered"
    except MarkupRefused:
        outcome = "refused"
    return time.process_time() - start, outcome


# An ordinary case text of the maximum length: what every bomb is measured against, so a busy
# machine (which slows both alike) cannot fail the test. Quiet, the worst bomb takes 0.4 s.
ORDINARY = blocks("Barn och unga i kommunen fick *säga sitt* om skolgården, och svaren "
                  "samlades i en [rapport](https://example.se/rapport) till nämnden.\n" * 3)
TIMES_ORDINARY = 30  # quiet: ordinary 0.03 s, the worst bomb 0.4 s


@pytest.fixture(scope="module")
def ordinary_seconds() -> float:
    return min(_render_seconds(ORDINARY)[0] for _ in range(3))


@pytest.mark.parametrize("name", [*BOMBS, *ALLOWED_WORST])
def test_every_known_bomb_is_rendered_or_refused_within_a_second(name, ordinary_seconds):
    """Within 1 s of CPU, or (on a busy machine) within a few times an ordinary text's cost."""
    text = BOMBS.get(name) or ALLOWED_WORST[name]
    assert len(text) <= N
    seconds, outcome = _render_seconds(text)
    ordinary = ordinary_seconds
    if seconds >= max(1.0, TIMES_ORDINARY * ordinary):
        # Over the bound: perhaps the machine got busy after the module measured the ordinary
        # text. Measure both again, side by side; a real bomb is still far over.
        ordinary = max(ordinary, _render_seconds(ORDINARY)[0])
        seconds = min(seconds, _render_seconds(text)[0])
    limit = max(1.0, TIMES_ORDINARY * ordinary)
    assert seconds < limit, (f"{name}: {outcome} after {seconds:.2f} s of CPU "
                             f"(ordinary text {ordinary:.2f} s)")


@pytest.mark.parametrize("name", list(ALLOWED_WORST))
def test_the_worst_allowed_inputs_are_rendered(name):
    assert render_markdown(ALLOWED_WORST[name])


def test_text_over_the_limit_is_refused_in_swedish():
    with pytest.raises(MarkupRefused, match="högst 15 000 tecken"):
        render_markdown("a" * (N + 1))


@pytest.mark.parametrize("text, message", [
    ("[" * 5000, "hakparenteser"),
    ("<b>" * (MAX_TAGS + 1), "HTML-taggar"),
    ("> " * (MAX_QUOTE_DEPTH + 1) + "a", "Citaten"),
    ("".join("    " * i + "- a\n" for i in range(MAX_LIST_DEPTH + 2)), "Listorna"),
    ("a\n" * (MAX_BLOCK_LINES + 1), "tomma rader"),
])
def test_costly_shapes_are_refused_with_a_reason(text, message):
    with pytest.raises(MarkupRefused, match=message):
        render_markdown(text)


def test_ordinary_case_text_is_not_refused():
    text = ("## Bakgrund\n\nKommunen (med stöd av [Länsstyrelsen](https://www.lansstyrelsen.se)) "
            "arbetar med *barnrättsbaserade* beslut [1].\n\n- ett\n- två\n  - tre\n\n> Citat.\n")
    html = render_markdown(text * 50)
    assert html.count("<h2>") == 50 and 'rel="noopener noreferrer"' in html
