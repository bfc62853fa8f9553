"""Digests and the mail outbox against a real SMTP server on loopback (aiosmtpd)."""
from __future__ import annotations

import datetime as dt
import email
from email import policy

import pytest

from kb.alerts.digest import queue_due_digests
from kb.dates import as_utc, utcnow
from kb.extensions import db
from kb.models import Alert, OutboxMail, Revision, Status
from kb.services.cases import case_to_data, save_case, set_status
from kb.services.outbox import MAX_ATTEMPTS, deliver_due
from tests.alerts.conftest import link_in


@pytest.fixture
def subscribed(client, make_case, mails):
    """A confirmed daily alert on the tag "barnbokslut", confirmed a day ago."""
    old = make_case(title="Gammalt barnbokslut", slug="gammalt", tags=["barnbokslut"])
    two_days_ago = utcnow() - dt.timedelta(days=2)  # published long before the sign-up
    old.updated_at = two_days_ago
    for revision in db.session.execute(db.select(Revision).filter_by(case_id=old.id)).scalars():
        revision.created_at = two_days_ago
    db.session.commit()
    client.post("/bevaka", data={"typ": "tagg", "varde": "barnbokslut", "epost": "strateg@kommun.se",
                                 "rytm": "daily"})
    client.post(link_in(mails[-1].get_content(), "/bevakning/bekrafta/"))
    alert = db.session.execute(db.select(Alert)).scalar_one()
    alert.covered_until = utcnow() - dt.timedelta(days=1)  # as if confirmed yesterday
    db.session.commit()
    return alert


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def test_end_to_end_a_published_case_reaches_the_subscriber_exactly_once(app, runner, make_case,
                                                                         subscribed, smtp):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"],
              summary="Umeå redovisar barnens villkor varje år.")
    make_case(title="Något annat", slug="annat", tags=["skola"])
    first = runner.invoke(args=["mail", "send"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["mail", "send"])
    assert second.exit_code == 0, second.output
    assert len(smtp.messages) == 1
    message = parsed(smtp.messages[0])
    assert message["To"] == "strateg@kommun.se"
    text = message.get_content()
    assert "== Taggen barnbokslut ==" in text
    assert "Barnbokslut i Umeå" in text and "Umeå redovisar barnens villkor" in text
    assert "http://kb.test/exempel/barnbokslut-umea" in text
    assert "Något annat" not in text and "Gammalt barnbokslut" not in text  # not new
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://kb.test/bevakning/avsluta/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/bevakning/" in link_in(text, "/bevakning/")  # manage-all link
    sent = db.session.execute(db.select(OutboxMail).filter_by(status="sent")).scalars().all()
    assert [row.body for row in sent if row.dedupe_key] == [""]  # the links are not kept

    client = app.test_client()  # one click, as a mail provider does it
    path = unsubscribe.strip("<>").split("kb.test", 1)[1]
    response = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200, path
    assert "vi har raderat" in response.get_data(as_text=True), path
    assert db.session.execute(db.select(Alert)).first() is None


def test_no_digest_when_nothing_is_new_and_one_per_period(app, make_case, subscribed, smtp):
    now = utcnow()
    with app.test_request_context():
        assert queue_due_digests(now) == 0  # nothing new: no mail
        make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
        assert queue_due_digests(now + dt.timedelta(seconds=1)) == 1
        subscribed.covered_until = now - dt.timedelta(days=1)  # even if the alert looked due again
        make_case(title="Barnbokslut i Luleå", slug="barnbokslut-lulea", tags=["barnbokslut"])
        db.session.commit()
        assert queue_due_digests(now + dt.timedelta(seconds=2)) == 0  # same day: same period
        assert queue_due_digests(now + dt.timedelta(days=1)) == 1  # the next day: Luleå


def test_a_small_edit_is_not_news_but_a_new_summary_is(app, make_case, subscribed):
    case = make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    with app.test_request_context():
        assert queue_due_digests(utcnow()) == 1  # Umeå is new; now edit it
        later = utcnow() + dt.timedelta(days=1)
        save_case({**case_to_data(case), "year": 2010}, case=case)
        db.session.commit()
        assert queue_due_digests(later) == 0
        save_case({**case_to_data(case), "summary": "Nu med resultat från 2025."}, case=case)
        db.session.commit()
        assert queue_due_digests(later) == 1


def test_a_draft_written_earlier_and_published_now_is_news(app, make_case, subscribed):
    draft = make_case(title="Barnbokslut i Kiruna", slug="barnbokslut-kiruna", tags=["barnbokslut"],
                      status="draft")
    long_ago = utcnow() - dt.timedelta(days=2)
    for revision in db.session.execute(db.select(Revision).filter_by(case_id=draft.id)).scalars():
        revision.created_at = long_ago
    draft.updated_at = long_ago
    db.session.commit()
    with app.test_request_context():
        assert queue_due_digests(utcnow()) == 0  # a draft is nobody's news
        set_status(draft, Status.PUBLISHED, None)
        db.session.commit()
        assert queue_due_digests(utcnow() + dt.timedelta(days=1)) == 1
    row = db.session.execute(db.select(OutboxMail).where(OutboxMail.dedupe_key.is_not(None))).scalar_one()
    assert "Barnbokslut i Kiruna" in row.body


def test_refused_mail_is_retried_with_back_off_and_sent_once(app, make_case, subscribed, smtp):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    smtp.recorder.refusals.extend(["451 4.3.0 Try again later", "550 5.7.1 Not now"])
    with app.test_request_context():
        queue_due_digests(utcnow())
        now = utcnow()
        assert deliver_due(now).retrying == 1
        row = db.session.execute(db.select(OutboxMail).filter_by(status="queued")).scalar_one()
        assert row.attempts == 1 and "451" in row.last_error
        assert as_utc(row.next_attempt_at) > now
        assert deliver_due(now).sent == 0  # not due yet: nothing is tried
        assert deliver_due(now + dt.timedelta(minutes=1)).retrying == 1  # the 550
        db.session.refresh(row)
        assert as_utc(row.next_attempt_at) >= now + dt.timedelta(minutes=3)  # 1, then 2 minutes
        assert deliver_due(now + dt.timedelta(minutes=5)).sent == 1
        assert deliver_due(now + dt.timedelta(hours=5)).sent == 0
    assert len(smtp.messages) == 1


def test_a_server_that_is_down_comes_back(app, make_case, subscribed, smtp):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    smtp.stop()  # connection refused
    with app.test_request_context():
        queue_due_digests(utcnow())
        now = utcnow()
        report = deliver_due(now)
        assert (report.sent, report.retrying) == (0, 1)
        smtp.start()
        assert deliver_due(now + dt.timedelta(minutes=2)).sent == 1
    assert len(smtp.messages) == 1


def test_gives_up_after_the_last_attempt(app, make_case, subscribed, smtp):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    smtp.recorder.refusals.extend(["550 5.1.1 No such user"] * MAX_ATTEMPTS)
    with app.test_request_context():
        queue_due_digests(utcnow())
        later = utcnow()
        for _ in range(MAX_ATTEMPTS):
            later += dt.timedelta(hours=7)
            deliver_due(later)
    row = db.session.execute(db.select(OutboxMail).where(OutboxMail.dedupe_key.is_not(None))).scalar_one()
    assert row.status == "failed" and row.attempts == MAX_ATTEMPTS
    assert smtp.messages == []


def test_a_crash_after_claiming_is_recovered_after_the_lease(app, make_case, subscribed, smtp):
    make_case(title="Barnbokslut i Umeå", slug="barnbokslut-umea", tags=["barnbokslut"])
    with app.test_request_context():
        queue_due_digests(utcnow())
        now = utcnow()
        row = db.session.execute(db.select(OutboxMail).filter_by(status="queued")).scalar_one()
        row.status, row.claimed_at = "sending", now  # a run died here, before SMTP accepted
        db.session.commit()
        assert deliver_due(now + dt.timedelta(minutes=1)).sent == 0  # another run is still in its lease
        assert deliver_due(now + dt.timedelta(minutes=11)).sent == 1
    assert len(smtp.messages) == 1
