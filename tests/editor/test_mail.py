"""Mail: written to the log in development, sent by SMTP when KB_MAIL_SERVER is set."""
from __future__ import annotations

import logging
import smtplib

import pytest

from kb.services import mail


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout=None, **kwargs):
        self.calls = [("connect", host, port)]
        FakeSMTP.instance = self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.calls.append(("quit",))

    def starttls(self, context=None):
        self.calls.append(("starttls",))

    def login(self, user, password):
        self.calls.append(("login", user, password))

    def send_message(self, message):
        self.calls.append(("send", message["To"]))
        FakeSMTP.sent.append(message)


def test_without_a_mail_server_the_message_goes_to_the_log(app, caplog):
    with caplog.at_level(logging.WARNING, logger="kb.services.mail"):
        mail.send_mail("a@kb.test", "Ämne", "Här är länken: https://kb.test/losenord/abc")
    assert "https://kb.test/losenord/abc" in caplog.text and "KB_MAIL_SERVER" in caplog.text
    assert mail.outbox(app)[-1]["Subject"] == "Ämne"


def test_in_production_the_logged_mail_carries_no_token(app, caplog, monkeypatch):
    monkeypatch.delenv("KB_DEV", raising=False)
    app.testing = app.debug = False
    try:
        with caplog.at_level(logging.WARNING, logger="kb.services.mail"):
            mail.send_mail("a@kb.test", "Ämne", "Här är länken: https://kb.test/losenord/abc123")
    finally:
        app.testing = True
    assert "KB_MAIL_SERVER" in caplog.text and "abc123" not in caplog.text


def test_with_a_mail_server_it_is_sent_by_smtp_with_starttls_and_login(app, monkeypatch):
    monkeypatch.setattr(smtplib, "SMTP", FakeSMTP)
    app.config.update(MAIL_SERVER="smtp.example.se", MAIL_PORT=587, MAIL_USERNAME="kb",
                      MAIL_PASSWORD="hemligt", MAIL_SENDER="Kunskapsbanken <kb@example.se>")
    mail.send_mail("a@kb.test", "Ämne", "Text")
    assert FakeSMTP.instance.calls == [("connect", "smtp.example.se", 587), ("starttls",),
                                       ("login", "kb", "hemligt"), ("send", "a@kb.test"), ("quit",)]
    assert FakeSMTP.sent[-1]["From"] == "Kunskapsbanken <kb@example.se>"
    assert not mail.outbox(app)


def test_an_unreachable_server_raises_mail_error(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    with pytest.raises(mail.MailError):
        mail.send_mail("a@kb.test", "Ämne", "Text")
