"""The case page's sharing tools and print styles, as a reader gets them."""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

STATIC = Path(__file__).resolve().parents[2] / "kb" / "static"


def test_copy_button_mailto_and_link_field(client, cases):
    html = client.get("/exempel/bka-budget").get_data(as_text=True)
    assert 'value="http://kb.test/exempel/bka-budget" readonly' in html  # copyable without JS
    button = re.search(r'<button[^>]*data-copy-target="share-url"[^>]*>([^<]+)</button>', html)
    assert button and button.group(1) == "Kopiera länk" and " hidden" in button.group(0)
    mailto = re.search(r'href="(mailto:[^"]+)">Dela via e-post', html).group(1).replace("&amp;", "&")
    query = parse_qs(urlparse(mailto).query)
    assert query["subject"] == ["Barnkonsekvensanalys i budgetarbetet"]
    assert query["body"][0].endswith("http://kb.test/exempel/bka-budget")
    assert '<script src="/static/js/share.js" defer></script>' in html


def test_no_inline_script_or_style_for_the_strict_csp(client, cases):
    html = client.get("/exempel/bka-budget").get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/ld+json"' in attrs for attrs in scripts)  # data, not code
    assert " style=" not in html and " onclick=" not in html


def test_share_tools_are_only_on_published_cases(client, cases, login):
    login()
    html = client.get("/exempel/utkast-sommarlov").get_data(as_text=True)
    assert "Kopiera länk" not in html and "Citera" not in html


def test_share_script_copies_and_announces():
    script = (STATIC / "js" / "share.js").read_text()
    assert "navigator.clipboard" in script and "execCommand" in script  # fallback for old browsers
    assert "button.hidden = false" in script  # the button appears only when it can work
    assert "role='status'" in script


def test_print_stylesheet(client, cases):
    html = client.get("/exempel/bka-budget").get_data(as_text=True)
    assert '<link rel="stylesheet" href="/static/css/print.css" media="print">' in html
    css = (STATIC / "css" / "print.css").read_text()
    assert "size: A4" in css
    hidden = css[css.index(".site-header"):css.index("{", css.index(".site-header"))]
    for selector in (".site-header", ".site-footer", "nav", ".share-box", "button"):
        assert selector in hidden
    assert 'content: " <" attr(href) ">"' in css  # link addresses written out
    assert client.get("/static/css/print.css").status_code == 200
