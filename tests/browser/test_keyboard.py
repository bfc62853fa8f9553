"""Keyboard use of the reading pages: skip link, visible focus, reaching every link."""
from __future__ import annotations

from .helpers import expect, focused, tab_to

_FOCUS_IS_VISIBLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const rect = el.getBoundingClientRect();
  const onScreen = rect.width > 0 && rect.height > 0 && rect.bottom > 0 && rect.top < innerHeight;
  return outline && onScreen;
}"""


def test_skip_link_is_first_and_jumps_to_the_content(page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()

    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    page.keyboard.press("Tab")
    expect(page.locator("main input[name=q]")).to_be_focused()


def test_focus_is_always_visible(page, live_server):
    """WCAG 2.4.7: each tab stop on the start page and a case page shows where focus is."""
    for path in ("/", f"/exempel/{live_server.sample['case_slug']}"):
        page.goto(path)
        for _ in range(45):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement === document.body"):
                break
            assert page.evaluate(_FOCUS_IS_VISIBLE), f"focus not visible on {focused(page)!r} at {path}"


def test_a_case_can_be_opened_and_its_tags_followed_with_the_keyboard(page, live_server):
    title = live_server.sample["case_title"]
    page.goto("/exempel")
    tab_to(page, page.locator("main").get_by_role("link", name=title, exact=True))
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(title)

    tab_to(page, ".facts a.tag")
    tag = page.evaluate("document.activeElement.textContent").strip()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text(tag)
    expect(page.locator("main").get_by_role("link", name=title)).to_be_visible()
