"""What a strategist and an editor notice in their first ten minutes (issue 14), at laptop
and phone width: search from every page, suggestions that can be seen, filters that apply at
once, the facts of a case first on a phone, who publishes the site, and one menu for editors.
The accessibility audit writes pictures of these pages at both widths to screenshots/.
"""
from __future__ import annotations

import pytest

from .conftest import ACCOUNTS
from .helpers import WIDTHS, expect, tab_to

PX = {"desktop": 1280, "phone": 375}


@pytest.fixture(params=list(WIDTHS), ids=lambda w: f"{PX[w]}px")
def width(request) -> str:
    return request.param


@pytest.fixture
def reader(new_context, width):
    return new_context(viewport=WIDTHS[width]).new_page()


def test_a_new_search_is_one_step_away_from_a_case_a_tag_and_a_county(reader, live_server):
    sample = live_server.sample
    for path in (f"/exempel/{sample['case_slug']}", f"/tagg/{sample['tag_slug']}",
                 f"/lan/{sample['county_slug']}"):
        reader.goto(path)
        field = reader.get_by_role("banner").get_by_role("combobox", name="Sök bland exemplen")
        expect(field).to_be_visible()
        assert field.bounding_box()["y"] < 160, f"{path}: the search field is not at the top"
    field.fill("samverkan")
    field.press("Enter")
    reader.wait_for_url("**/sok?q=samverkan")
    expect(reader.locator(".search-hits > li").first).to_be_visible()


def test_the_start_pages_suggestions_are_drawn_above_the_next_section(reader):
    reader.goto("/")
    reader.locator("main input[name=q]").fill("barn")
    options = reader.locator(".hero .typeahead-list [role=option]")
    expect(options.first).to_be_visible()
    assert options.count() >= 4
    for i in range(4):  # nothing is painted over any of them ("Senaste exemplen" was)
        options.nth(i).scroll_into_view_if_needed()
        box = options.nth(i).bounding_box()
        on_top = reader.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('[role=option]')?.id",
                                 [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
        assert on_top == options.nth(i).get_attribute("id")


def test_filters_and_sorting_apply_at_once(reader, width):
    reader.goto("/sok?q=samverkan")
    summary = reader.locator(".search-filters summary")
    if width == "phone":  # behind "Filtrera", above the results
        results = reader.locator(".search-hits")
        assert summary.bounding_box()["y"] < results.bounding_box()["y"]
        expect(reader.locator(".search-filters form")).to_be_hidden()
        summary.click()
    county = reader.locator(".search-filters fieldset", has_text="Län").locator("input[type=checkbox]").first
    expect(reader.get_by_role("button", name="Visa exempel")).to_be_hidden()
    county.check()
    reader.wait_for_url("**county=*")
    expect(reader.locator(".active-filters a.tag-active")).to_have_count(1)
    expect(reader.locator(".search-filters summary")).to_contain_text("(1 valt)")
    expect(reader.get_by_role("button", name="Sortera")).to_be_hidden()
    reader.locator("#sort").select_option("date")
    reader.wait_for_url("**sort=date*")
    expect(reader.locator("#sort")).to_have_value("date")
    expect(reader.locator("#sort")).to_be_focused()


def test_without_javascript_the_filter_form_still_works(new_context):
    page = new_context(viewport=WIDTHS["desktop"], java_script_enabled=False).new_page()
    page.goto("/sok?q=samverkan")
    form = page.locator(".search-filters form")
    form.locator("fieldset", has_text="Län").locator("input[type=checkbox]").first.check()
    form.get_by_role("button", name="Visa exempel").click()
    page.wait_for_url("**county=*")
    expect(page.locator(".active-filters a.tag-active")).to_have_count(1)


def test_a_page_without_hits_has_no_empty_filter_groups(reader):
    reader.goto("/sok?q=zyxqvw")
    expect(reader.locator(".no-hits")).to_be_visible()
    expect(reader.locator(".search-filters fieldset")).to_have_count(0)


def test_index_pages_for_tags_counties_and_organisation_types(reader):
    for link, heading in (("Alla taggar", "Taggar"), ("Alla län", "Län"),
                          ("Alla organisationstyper", "Typer av organisation")):
        reader.goto("/")
        reader.get_by_role("link", name=link).click()
        expect(reader.locator("h1")).to_have_text(heading)
        first = reader.locator(".index-list li").first
        expect(first).to_contain_text("exempel)")


def test_the_words_are_the_same_everywhere(reader):
    reader.goto("/sok?q=samverkan")
    legends = [t.strip() for t in reader.locator(".search-filters legend").all_text_contents()]
    assert "Tagg" in legends and "Ämne" not in legends
    assert "Start " not in reader.locator(".search-hits").inner_text().replace("Startår ", "")
    expect(reader.locator(".search-hits").first).to_contain_text("Startår ")


def test_on_a_phone_the_facts_come_right_after_the_summary(new_context, live_server):
    page = new_context(viewport=WIDTHS["phone"]).new_page()
    page.goto(f"/exempel/{live_server.sample['case_slug']}")
    lead = page.locator(".case-header .lead").bounding_box()
    facts = page.locator(".facts").bounding_box()
    body = page.locator(".case-body").bounding_box()
    assert lead["y"] < facts["y"] < body["y"]
    assert facts["y"] - (lead["y"] + lead["height"]) < 200
    for fact in ("Organisation", "Län", "Taggar"):
        expect(page.locator(".facts dt", has_text=fact)).to_be_visible()


def test_the_footer_says_who_publishes_and_links_the_personal_data_page(reader):
    reader.goto("/om")
    footer = reader.get_by_role("contentinfo")
    expect(footer).to_contain_text("Utgivare:")
    expect(footer.get_by_role("link", name="Tillgänglighetsredogörelse")).to_be_visible()
    footer.get_by_role("link", name="Personuppgifter").click()
    expect(reader.locator("h1")).to_have_text("Personuppgifter")
    for heading in ("Redaktörer", "tipsar", "Kontaktpersoner"):
        expect(reader.locator("h2", has_text=heading)).to_be_visible()


def test_editor_pages_have_one_menu_also_on_a_phone(new_context, login_state, width):
    page = new_context(viewport=WIDTHS[width], storage_state=login_state("auditor")).new_page()
    page.goto("/redaktion/")
    expect(page.get_by_role("navigation")).to_have_count(1)
    nav = page.get_by_role("navigation", name="Redaktionen")
    expect(nav.get_by_role("link", name="Översikt")).to_be_visible()
    heading = page.locator("h1").bounding_box()
    assert heading["y"] < 360, f"the first heading starts {heading['y']:.0f}px down"
    tab_to(page, page.get_by_role("button", name="Logga ut"))


def _case_in_review_written_by(live_server, account: str, slug: str) -> int:
    """A case waiting for review whose last content change is ``account``'s."""
    from kb.extensions import db
    from kb.models import User
    from kb.services.cases import case_to_data, find_case, save_case

    with live_server.app.app_context():
        user = db.session.execute(db.select(User).filter_by(email=ACCOUNTS[account]["email"])).scalar_one()
        data = case_to_data(find_case(live_server.sample["case_slug"]))
        data.update(slug=slug, title=f"Fyra ögon {slug}", status="review", published=None)
        case_id = save_case(data, user=user, message="Skrev exemplet").id
        db.session.commit()
        db.session.remove()
    return case_id


def test_four_eyes_an_admin_publishes_own_change_only_with_a_reason(new_context, live_server, login_state,
                                                                      width):
    case_id = _case_in_review_written_by(live_server, "auditor", f"fyra-ogon-{PX[width]}")
    page = new_context(viewport=WIDTHS[width], storage_state=login_state("auditor")).new_page()
    page.goto(f"/redaktion/exempel/{case_id}")
    reason = page.get_by_label("Skäl att publicera utan att någon annan granskat", exact=False)
    expect(reason).to_be_visible()
    reason.fill("Ingen annan granskare i tjänst under julen.")
    page.get_by_role("button", name="Publicera ändå").click()
    expect(page.get_by_role("status").filter(has_text="Exemplet är publicerat")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("aldrig markerats som granskat")
    page.get_by_role("link", name="Händelselogg").click()
    expect(page.locator("main")).to_contain_text("Skäl: Ingen annan granskare i tjänst under julen.")


def test_the_history_speaks_swedish(new_context, live_server, login_state, width):
    page = new_context(viewport=WIDTHS[width], storage_state=login_state("auditor")).new_page()
    page.goto(f"/redaktion/exempel/{live_server.sample['edited_case_id']}/historik/1")
    main = page.locator("main").inner_text()
    assert "Status" in main and "Publicerad" in main
    assert "Senast granskad\n23 november 2026" in main and "2026-11-23" not in main  # dates as dates
    for raw in ("published", "review", "evidence_level", "None", "updated"):
        assert raw not in main.replace("/exempel/", ""), raw
