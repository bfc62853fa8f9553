"""Outgoing e-mail: SMTP when ``KB_MAIL_SERVER`` is set, otherwise written to the log.

Send after the database commit, so a rolled-back change never mails anyone.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections import deque
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Flask, current_app

log = logging.getLogger(__name__)
OUTBOX_SIZE = 50


class MailError(RuntimeError):
    """The SMTP server refused the message or could not be reached."""


def outbox(app: Flask | None = None) -> deque[EmailMessage]:
    """The last messages handled by the console backend (development and tests)."""
    app = app or current_app
    return app.extensions.setdefault("kb_mail_outbox", deque(maxlen=OUTBOX_SIZE))


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="kunskapsbanken")
    message.set_content(body)
    return message


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises :class:`MailError` when SMTP fails."""
    message = build_message(to, subject, body)
    if not current_app.config.get("MAIL_SERVER"):
        outbox().append(message)
        log.warning("e-mail not sent (KB_MAIL_SERVER is not set); it would have said:\n"
                    "To: %s\nSubject: %s\n\n%s", to, subject, body)
        return
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send e-mail to %s: %s", to, exc)
        raise MailError(str(exc)) from exc
    log.info("e-mail sent to %s: %s", to, subject)


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=15, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=15)
    with smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
