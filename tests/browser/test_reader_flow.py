"""A reader's way through the site, keyboard only: search, filter, open a case, copy its link."""
from __future__ import annotations

from .helpers import expect, tab_to


def test_reader_searches_filters_opens_and_copies_a_link_with_the_keyboard(new_context, live_server):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/")

    tab_to(page, "main input[name=q]")
    page.keyboard.type("samverkan")
    page.keyboard.press("Enter")
    page.wait_for_url("**/sok?*")
    hits = page.locator(".search-hits > li")
    expect(hits.first).to_be_visible()
    unfiltered = hits.count()
    assert unfiltered >= 2, "the query should find cases in more than one county"

    # Narrow to one county: ticking the box applies the filter at once (no button to find),
    # and keyboard focus stays on the box.
    county = page.locator(".search-filters fieldset", has_text="Län").locator("input[type=checkbox]").first
    county_name = county.evaluate("el => el.value")
    expect(page.locator(".search-filters").get_by_role("button", name="Visa exempel")).to_be_hidden()
    tab_to(page, county)
    page.keyboard.press("Space")
    page.wait_for_url("**county=*")
    expect(page.locator(".active-filters")).to_contain_text(county_name)
    checked = page.locator(f".search-filters input[name=county][value='{county_name}']")
    expect(checked).to_be_checked()
    expect(checked).to_be_focused()
    assert 1 <= hits.count() < unfiltered
    for meta in hits.locator(".case-card-meta").all_inner_texts():
        assert county_name in meta

    first = hits.first.locator("h3 a")
    title = first.inner_text()
    tab_to(page, first)
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text(title)
    case_url = page.url

    tab_to(page, page.get_by_role("button", name="Kopiera länk"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").filter(has_text="kopierad")).to_be_visible()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == case_url


def test_search_without_hits_says_so_and_offers_a_way_on(page, live_server):
    page.goto("/sok?q=" + "zyxqvw")
    expect(page.locator(".no-hits")).to_contain_text("Inga exempel hittades")
    page.locator(".no-hits").get_by_role("link", name="Bläddra bland alla exempel").click()
    expect(page.locator("h1")).to_have_text("Alla exempel")
