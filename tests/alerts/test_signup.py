"""Bevakning: double opt-in, managing, one-click unsubscribe, abuse limits, the admin's view."""
from __future__ import annotations

import datetime as dt

import pytest

from kb.dates import utcnow
from kb.extensions import db
from kb.models import Alert, AlertToken, OutboxMail, Subscriber
from tests.alerts.conftest import link_in


@pytest.fixture
def tagged(make_case):
    from kb import search

    case = make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    search.sync_index()  # as an editor's save does (searches only read the index)
    return case


def sign_up(client, email="strateg@kommun.se", typ="tagg", varde="barnbokslut", rytm="daily"):
    return client.post("/bevaka", data={"typ": typ, "varde": varde, "epost": email, "rytm": rytm})


def test_bevaka_is_offered_on_tag_county_article_organisation_type_and_search_pages(client, tagged):
    for path, link in (("/tagg/barnbokslut", "typ=tagg&amp;varde=barnbokslut"),
                       ("/lan/uppsala-lan", "typ=lan&amp;varde=uppsala-lan"),
                       ("/artikel/12", "typ=artikel&amp;varde=12"),
                       ("/organisationstyp/kommun", "typ=organisationstyp&amp;varde=kommun"),
                       ("/sok?q=barnbokslut&page=1", "typ=sok&amp;varde=q%3Dbarnbokslut")):
        html = client.get(path).get_data(as_text=True)
        assert f'href="/bevaka?{link}"' in html, path
    form = client.get("/bevaka?typ=sok&varde=q%3Dbarnbokslut").get_data(as_text=True)
    assert "Sökning: ”barnbokslut”" in form
    assert client.get("/bevaka?typ=tagg&varde=finns-inte").status_code == 404


def test_double_opt_in_nothing_is_sent_before_the_link_is_confirmed(client, tagged, mails):
    response = sign_up(client)
    assert response.status_code == 200
    assert "Titta i din e-post" in response.get_data(as_text=True)
    assert len(mails) == 1
    message = mails[0]
    assert message["To"] == "strateg@kommun.se"
    text = message.get_content()
    assert "Taggen barnbokslut" in text and "7 dagar" in text
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"  # every mail has it
    assert message["List-Unsubscribe"].startswith("<http://kb.test/bevakning/avsluta/")
    confirm_path = link_in(text, "/bevakning/bekrafta/")
    assert text.count("http://kb.test/bevakning/bekrafta/") == 1  # the configured origin
    alert = db.session.execute(db.select(Alert)).scalar_one()
    assert alert.confirmed_at is None

    page = client.get(confirm_path)  # a mail scanner's GET confirms nothing
    assert page.status_code == 200 and "Bekräfta" in page.get_data(as_text=True)
    db.session.refresh(alert)
    assert alert.confirmed_at is None

    confirmed = client.post(confirm_path)
    assert confirmed.status_code == 303
    manage = client.get(confirmed.location)
    html = manage.get_data(as_text=True)
    assert "Klart!" in html and "Taggen barnbokslut" in html and "strateg@kommun.se" in html
    assert manage.headers["Cache-Control"] == "no-store"
    db.session.refresh(alert)
    assert alert.confirmed_at is not None


def test_link_tokens_are_stored_only_as_hashes_and_expire_after_seven_days(client, tagged, mails):
    sign_up(client)
    path = link_in(mails[0].get_content(), "/bevakning/bekrafta/")
    raw = path.rsplit("/", 1)[1]
    assert len(raw) >= 40
    stored = db.session.execute(db.select(AlertToken).filter_by(purpose="confirm")).scalar_one()
    assert raw not in stored.token_hash and len(stored.token_hash) == 64
    stored.expires_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    response = client.get(path)
    assert response.status_code == 404 and "gäller inte" in response.get_data(as_text=True)
    assert client.get("/bevakning/bekrafta/" + "x" * 43).status_code == 404


def test_a_confirmation_mail_is_never_sent_twice_within_an_hour(client, make_case, tagged, mails):
    make_case(title="Annat", slug="annat", tags=["ungdomsråd"])
    sign_up(client)
    again = sign_up(client, varde="ungdomsrad")
    assert "högst ett bekräftelsebrev i timmen" in again.get_data(as_text=True)
    assert len(mails) == 1
    subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
    assert len(subscriber.alerts) == 2
    # The first mail's link confirms both.
    client.post(link_in(mails[0].get_content(), "/bevakning/bekrafta/"))
    assert all(a.confirmed_at for a in subscriber.alerts)
    subscriber.confirmation_sent_at = utcnow() - dt.timedelta(minutes=61)
    db.session.commit()
    make_case(title="Tredje", slug="tredje", tags=["skola"])
    sign_up(client, varde="skola")
    assert len(mails) == 2


def test_invalid_sign_ups_keep_what_was_typed(client, tagged, mails):
    response = sign_up(client, email="inte en adress")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Ange en giltig e-postadress" in html and 'value="inte en adress"' in html
    assert sign_up(client, rytm="hourly").status_code == 422
    assert sign_up(client, email="a@" + "." * 60000 + "@").status_code == 422  # bounded first
    assert not mails and db.session.scalar(db.select(db.func.count(Subscriber.id))) == 0


def test_sign_ups_are_rate_limited_per_email_and_per_address(app, client, tagged):
    app.config.update(ALERT_LIMIT_EMAIL="3 per hour", ALERT_LIMIT_ADDRESS="5 per hour")
    statuses = [sign_up(client, email="samma@kommun.se").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    others = [sign_up(client, email=f"person{n}@kommun.se").status_code for n in range(3)]
    assert others == [200, 200, 429]  # the address's fifth and sixth sign-ups overall
    blocked = sign_up(client, email="ny@kommun.se")
    assert "Vänta en stund" in blocked.get_data(as_text=True)
    assert 'value="ny@kommun.se"' in blocked.get_data(as_text=True)


def _confirmed(client, mails, **kwargs) -> str:
    sign_up(client, **kwargs)
    response = client.post(link_in(mails[-1].get_content(), "/bevakning/bekrafta/"))
    return response.location


def test_removing_the_last_alert_deletes_the_address(client, tagged, mails):
    manage = _confirmed(client, mails)
    alert = db.session.execute(db.select(Alert)).scalar_one()
    response = client.post(f"{manage.split('?')[0]}/ta-bort/{alert.id}")
    assert "vi har raderat din e-postadress" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Subscriber.id))) == 0
    assert db.session.scalar(db.select(db.func.count(AlertToken.token_hash))) == 0


def test_one_click_unsubscribe_is_a_post_without_csrf_authenticated_by_the_token(app, client, tagged, mails):
    manage = _confirmed(client, mails).split("?")[0]
    token = manage.rsplit("/", 1)[1]
    app.config["WTF_CSRF_ENABLED"] = True  # as in production
    page = client.get(f"/bevakning/avsluta/{token}")
    assert page.status_code == 200 and db.session.scalar(db.select(db.func.count(Subscriber.id))) == 1
    assert client.post("/bevakning/avsluta/not-a-token", data="List-Unsubscribe=One-Click").status_code == 200
    assert db.session.scalar(db.select(db.func.count(Subscriber.id))) == 1
    response = client.post(f"/bevakning/avsluta/{token}", data="List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert db.session.scalar(db.select(db.func.count(Subscriber.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Alert.id))) == 0
    assert db.session.scalar(db.select(db.func.count(OutboxMail.id))) == 0


def test_an_admin_finds_and_deletes_an_address(client, tagged, mails, login):
    _confirmed(client, mails, email="Hitta.Mig@Kommun.se")
    login("admin")
    html = client.get("/redaktion/bevakningar?epost=hitta").get_data(as_text=True)
    assert "hitta.mig@kommun.se" in html and "Taggen barnbokslut" in html
    subscriber = db.session.execute(db.select(Subscriber)).scalar_one()
    response = client.post(f"/redaktion/bevakningar/{subscriber.id}/radera")
    assert response.status_code == 303
    assert db.session.scalar(db.select(db.func.count(Subscriber.id))) == 0
    assert db.session.scalar(db.select(db.func.count(Alert.id))) == 0


def test_in_development_the_logged_confirmation_keeps_its_link(client, tagged, mails, caplog):
    import logging

    with caplog.at_level(logging.WARNING, logger="kb.services.mail"):
        sign_up(client)
    path = link_in(mails[0].get_content(), "/bevakning/bekrafta/")
    assert path in caplog.text  # `make run`: the developer opens the link from the console
