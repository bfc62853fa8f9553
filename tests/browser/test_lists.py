"""Samla och jämför: build a list, reorder it, share its link, compare on a phone."""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from .helpers import WIDTHS, expect


def _list_titles(page) -> list[str]:
    return [t.strip() for t in page.locator(".list-item-title a").all_inner_texts()]


def test_build_reorder_and_share_a_list_into_a_fresh_browser(new_context, live_server):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto("/exempel")
    cards = page.locator(".case-card")
    chosen = [cards.nth(i).locator(".case-card-title a").inner_text() for i in range(3)]
    for i in range(3):
        cards.nth(i).get_by_role("button", name="Lägg i lista").click()
        expect(cards.nth(i).get_by_role("link", name=f"Visa listan ({i + 1})")).to_be_visible()
    assert page.url.endswith("/exempel"), "adding with JavaScript stays on the page"

    page.goto("/exempel")  # the list survives a new page load (localStorage)
    expect(cards.first.get_by_role("link", name="Visa listan (3)")).to_be_visible()
    cards.first.get_by_role("link", name="Visa listan (3)").click()
    expect(page.locator("h1")).to_have_text("Min lista")
    assert _list_titles(page) == chosen

    page.locator("#list-title").fill("Underlag till nämnden")
    page.get_by_role("button", name="Spara rubriken").click()
    expect(page.locator("h1")).to_have_text("Underlag till nämnden")

    # Move the third case to the top, and remove the (now) second, without reloading.
    page.get_by_role("link", name=f"Flytta upp: {chosen[2]}").click()
    page.get_by_role("link", name=f"Flytta upp: {chosen[2]}").click()
    expect(page.locator(".list-status")).to_contain_text("nummer 1")
    page.get_by_role("link", name=f"Ta bort: {chosen[0]}").click()
    expect(page.locator(".list-item")).to_have_count(2)
    assert _list_titles(page) == [chosen[2], chosen[1]]
    expect(page.get_by_role("link", name=f"Flytta upp: {chosen[2]}")).to_be_hidden()

    page.get_by_role("button", name="Kopiera länk").click()
    expect(page.locator(".list-share [role=status]")).to_contain_text("kopierad")
    shared = page.evaluate("navigator.clipboard.readText()")
    assert shared == page.url
    assert parse_qs(urlsplit(shared).query)["titel"] == ["Underlag till nämnden"]
    mail = page.locator("#list-mail").get_attribute("href")
    assert mail.startswith("mailto:") and "N%C3%A4mnden" not in mail and "n%C3%A4mnden" in mail

    colleague = new_context().new_page()  # no localStorage, no cookie: only the link
    colleague.goto(shared)
    expect(colleague.locator("h1")).to_have_text("Underlag till nämnden")
    assert _list_titles(colleague) == [chosen[2], chosen[1]]


def test_the_list_works_without_javascript(new_context, live_server):
    page = new_context(java_script_enabled=False).new_page()
    slug = live_server.sample["case_slug"]
    page.goto(f"/exempel/{slug}")
    page.get_by_role("button", name="Lägg i lista").click()
    expect(page.locator("h1")).to_have_text("Min lista")
    assert _list_titles(page) == [live_server.sample["case_title"]]
    page.goto(f"/exempel/{live_server.sample['edited_case_slug']}")
    page.get_by_role("button", name="Lägg i lista").click()
    assert len(_list_titles(page)) == 2
    second = _list_titles(page)[1]
    page.get_by_role("link", name=f"Flytta upp: {second}").click()
    assert _list_titles(page)[0] == second


def test_compare_is_readable_on_a_phone(new_context, live_server):
    page = new_context(viewport=WIDTHS["phone"]).new_page()
    sample = live_server.sample
    page.goto(f"/lista?e={sample['case_slug']},{sample['edited_case_slug']}")
    page.get_by_role("link", name="Jämför").click()
    expect(page.locator("h1")).to_contain_text("Jämför")
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["phone"]["width"], \
        "the page itself must not scroll sideways; only the table does"
    table = page.locator(".compare-scroll")
    expect(table.get_by_role("columnheader")).to_have_count(2)
    row_header = table.get_by_role("rowheader", name="Organisation")
    box = row_header.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTHS["phone"]["width"]
    first_case = table.get_by_role("columnheader").first.bounding_box()
    assert first_case["x"] < WIDTHS["phone"]["width"], "the first case is in view beside the labels"
    table.evaluate("el => el.scrollLeft = el.scrollWidth")
    expect(row_header).to_be_in_viewport()  # the labels stay while the cases scroll


def test_the_list_as_a_pdf(new_context, live_server, tmp_path):
    import shutil
    import subprocess

    import pytest

    if not (shutil.which("pdftotext") and shutil.which("pdfinfo")):
        pytest.skip("poppler-utils (pdftotext, pdfinfo) is missing: run `make browser-deps`")
    sample = live_server.sample
    page = new_context(accept_downloads=True).new_page()
    page.goto(f"/lista?e={sample['case_slug']},{sample['edited_case_slug']}&titel=Till mötet")
    titles = _list_titles(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    path = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(path)
    assert path.name == "till-motet.pdf"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for title in ["Till mötet", *titles]:
        assert " ".join(title.split()) in flat, title
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Tagged:          yes" in info
