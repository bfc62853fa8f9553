"""WCAG 2.1 AA on every page type, at desktop and phone width, audited by axe-core.

Each run also writes a full-page screenshot of the main pages to ``screenshots/`` (ignored
by git) so a person can look at the design.
"""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .helpers import WIDTHS, axe_violations, describe, no_horizontal_scroll
from .pages import PAGE_TYPES


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.name)
def test_page_has_no_wcag_violations(page_type, width, new_context, live_server, axe_source):
    page = new_context(**WIDTHS[width]).new_page()
    page_type.open(page, live_server)

    violations = axe_violations(page, axe_source)

    if page_type.screenshot:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{page_type.name}-{width}.png", full_page=True)
    assert not violations, f"{page_type.name} at {width} width:\n{describe(violations)}"
    assert no_horizontal_scroll(page), f"{page_type.name} scrolls sideways at {width} width"


def test_audit_finds_real_violations(page, axe_source):
    """The harness itself: a page with known faults must not pass."""
    page.set_content(
        '<!doctype html><html><head><title>Fel</title></head><body><main>'
        '<img src="bild.png"><p style="color:#bbb;background:#fff">Blek text</p>'
        '<input type="text"></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page, axe_source)}
    assert {"html-has-lang", "image-alt", "color-contrast", "label"} <= found
