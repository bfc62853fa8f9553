"""Bevakning in a browser: sign up from a tag page, confirm from the mail, manage, unsubscribe."""
from __future__ import annotations

import re

from kb.services.mail import outbox

from .helpers import expect


def test_sign_up_confirm_and_unsubscribe(new_context, live_server):
    box = outbox(live_server.app)
    box.clear()
    page = new_context().new_page()
    page.goto(f"/tagg/{live_server.sample['tag_slug']}")
    page.get_by_role("link", name=re.compile("^Bevaka")).click()
    expect(page.locator("h1")).to_contain_text("Bevaka: Taggen")
    page.get_by_label("Din e-postadress").fill("strateg@kommun.se")
    page.get_by_label("En sammanställning varje dag").check()
    page.get_by_role("button", name="Bevaka").click()
    expect(page.locator("h1")).to_have_text("Titta i din e-post")

    assert len(box) == 1, "one confirmation mail, written to the log in development"
    link = re.search(r"http://\S+/bevakning/bekrafta/\S+", box[0].get_content()).group(0)
    page.goto(link)
    page.get_by_role("button", name="Bekräfta").click()
    expect(page.locator("h1")).to_have_text("Dina bevakningar")
    expect(page.locator("main [role=status]")).to_contain_text("Klart!")
    expect(page.locator(".alert-list")).to_contain_text("varje dag")

    page.get_by_role("button", name="Avsluta alla bevakningar och radera adressen").click()
    expect(page.locator("h1")).to_have_text("Bevakningen är avslutad")
    page.goto(link)  # the address and its links are gone
    expect(page.locator("h1")).to_have_text("Länken gäller inte längre")
