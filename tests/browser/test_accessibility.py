"""WCAG 2.1 AA on every page type, at desktop and phone width, audited by axe-core.

Each page is loaded once at desktop width, audited, then narrowed to phone width (media
queries apply as on a phone) and audited again. The main pages are also written to
``screenshots/`` (ignored by git) at both widths, so a person can look at the design.
"""
from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS
from .helpers import WIDTHS, axe_violations, describe, sideways_overflow
from .pages import PAGE_TYPES


@pytest.mark.parametrize("page_type", PAGE_TYPES, ids=lambda p: p.name)
def test_page_has_no_wcag_violations(page_type, new_context, live_server, login_state, axe_source,
                                     served_html):
    page = new_context(viewport=WIDTHS["desktop"], storage_state=login_state(page_type.user)).new_page()
    served_html[page_type.name] = page_type.open(page, live_server).body()

    problems = []
    for width, viewport in WIDTHS.items():
        page.set_viewport_size(viewport)
        violations = axe_violations(page, axe_source)
        if violations:
            problems.append(f"at {width} width ({viewport['width']}px):\n{describe(violations)}")
        overflow = sideways_overflow(page)
        if overflow:
            problems.append(f"at {width} width the page scrolls sideways (WCAG 1.4.10) because of: "
                            + "; ".join(overflow))
        if page_type.screenshot:
            SCREENSHOTS.mkdir(exist_ok=True)
            page.screenshot(path=SCREENSHOTS / f"{page_type.name}-{width}.png", full_page=True)
    assert not problems, f"{page_type.name}:\n" + "\n".join(problems)


def test_audit_finds_real_violations(page, axe_source):
    """The harness itself: a page with known faults must not pass."""
    page.set_content(
        '<!doctype html><html><head><title>Fel</title></head><body><main>'
        '<img src="bild.png"><p style="color:#bbb;background:#fff">Blek text</p>'
        '<input type="text"></main></body></html>'
    )
    found = {v["id"] for v in axe_violations(page, axe_source)}
    assert {"html-has-lang", "image-alt", "color-contrast", "label"} <= found
