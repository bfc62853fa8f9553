"""Markdown that is already clean skips the cleaner: the HTML must be what the cleaner gives."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from bench.generate import generate
from kb.markup import _already_clean, _renderer, render_markdown
from tests.conftest import CONTRACT_CASES, SEED_CASES
from tests.search.relevance import load_cases

FRAGMENTS = [
    "Vanlig text om barnets bästa.", "## Bakgrund", "### Under", "* punkt\n* punkt två",
    "1. ett\n2. två", "> citat\n> rad två", "**fet** och *kursiv*", "`kod`", "    kodblock",
    "rad  \nbrytning", "---", "a > b & c < d", "t.ex. så", "se www.example.se", "https://barn.se/x",
    "http://localhost/x", "mailto:a@b.se", "a@b.se", "kl. 12:30", "1.5 miljoner", "&copy; &#169;",
    "<p><ul><li>rå</li></ul></p>", "<strong><p>fel</p></strong>", "<b>rå fet</b>", "<i>x</i>",
    "<br>", "</br>", "<hr/>", "<em>öppen", "</em>stängd", "<script>alert(1)</script>",
    "<a href='javascript:alert(1)'>x</a>", "[länk](javascript:alert(1))", "[länk](https://a.se)",
    "| a | b |\n|---|---|\n| 1 | 2 |", "Fotnot[^1]\n\n[^1]: Här.", "*[BKA]: barnkonsekvensanalys\n\nBKA",
    "- lista\n    - inre\n        - inre två", "> - citerad lista\n> - två", "* a\n\n    stycke i punkt",
    "Term\n: definition", "```\nstaket\n```", "<!-- kommentar -->", "tab\there", "nbsp\u00a0här",
    "<h2>rå rubrik</h2>", "<h2><p>x</p></h2>", "<ul><p>x</p></ul>", "<li>lös</li>", "\u0085nel",
    "<code><b>x</b></code>", "<blockquote><strong>x</strong></blockquote>", "ett\r\ntvå",
    "**a *b** c*", "_under_ __dubbel__", "\\*escaped\\*", "<p>rå stycke</p>", "text: kolon",
]


def _bodies() -> list[str]:
    files = [*Path(SEED_CASES).glob("*.md"), *Path(CONTRACT_CASES).glob("*.md")]
    bodies = [f.read_text(encoding="utf-8").split("\n---", 1)[-1] for f in files]
    bodies += [c.get("body", "") for c in load_cases()]
    bodies += [c["body"] for c in generate(300)]
    rng = random.Random(3)
    bodies += ["\n\n".join(rng.sample(FRAGMENTS, rng.randint(1, 5))) for _ in range(3000)]
    bodies += FRAGMENTS
    return bodies


def test_fast_path_gives_what_the_cleaner_gives():
    skipped = 0
    for body in _bodies():
        html = _renderer.markdown.reset().convert(body)
        cleaned = _renderer.cleaner.clean(html)
        if _already_clean(html):
            skipped += 1
            assert html == cleaned, body
        assert render_markdown(body) == cleaned, body
    assert skipped > 500  # the fast path is actually taken


@pytest.mark.parametrize("html", [
    "<p>x</p><ul><li>y</li></ul>", "<p><strong>x</strong> y<br>\nz</p>", "<h2>Rubrik</h2>\n<p>x. y</p>",
    "<blockquote>\n<p>x</p>\n</blockquote>", "<ul>\n<li>\n<p>x</p>\n<ul>\n<li>y</li>\n</ul>\n</li>\n</ul>",
])
def test_plain_markup_is_already_clean(html):
    assert _already_clean(html)


@pytest.mark.parametrize("html", [
    "<p><ul><li>x</li></ul></p>", "<strong><p>x</p></strong>", "<p>x", "x</p>", "<li>x</li>",
    '<p class="a">x</p>', "<script>x</script>", "<p>www.barn.se</p>", "<p>https://barn</p>",
    "<p>&copy;</p>", "<p>a\rb</p>", "<pre><code>x</code></pre>", "<p>x</br></p>", "<!-- x -->",
    "<table><tr><td>x</td></tr></table>", "<p>\x00</p>", "<h2><h3>x</h3></h2>",
])
def test_anything_else_goes_through_the_cleaner(html):
    assert not _already_clean(html)
