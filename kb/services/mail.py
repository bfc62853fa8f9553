"""Outgoing e-mail: SMTP when ``KB_MAIL_SERVER`` is set, otherwise written to the log.

Send after the database commit, so a rolled-back change never mails anyone.
"""
from __future__ import annotations

import logging
import os
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


def _keeps_links() -> bool:
    """A developer needs the link in the logged mail; in production its token is scrubbed."""
    return bool(current_app.debug or current_app.testing or os.environ.get("KB_DEV") == "1")


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises :class:`MailError` when SMTP fails."""
    message = build_message(to, subject, body)
    if not current_app.config["MAIL_SERVER"]:
        outbox().append(message)
        dev = _keeps_links()
        log.warning("e-mail not sent (KB_MAIL_SERVER is not set); it would have said:\n"
                    "To: %s\nSubject: %s\n\n%s", to, subject, body, extra={"kb_keep_tokens": dev})
        return
    try:
        _send_smtp(message)
    except (OSError, smtplib.SMTPException) as exc:
        log.error("could not send e-mail to %s: %s", to, exc)
        raise MailError(str(exc)) from exc
    log.info("e-mail sent to %s: %s", to, subject)


def _send_smtp(message: EmailMessage) -> None:
    with _connect() as smtp:
        smtp.send_message(message)


def _connect() -> smtplib.SMTP:
    config = current_app.config
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    context = ssl.create_default_context()
    if config["MAIL_USE_SSL"]:
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=15, context=context)
    else:
        smtp = smtplib.SMTP(host, port, timeout=15)
    try:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls(context=context)
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
    except BaseException:
        smtp.close()
        raise
    return smtp

class Connection:
    """One SMTP connection for a batch, opened at the first message (or the log in development).

    A failed send drops the connection, so the next message starts afresh.
    """

    def __init__(self) -> None:
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._close()

    def send(self, message: EmailMessage) -> None:
        """Raises ``OSError`` or ``smtplib.SMTPException`` when the server does not accept it."""
        if not current_app.config["MAIL_SERVER"]:
            outbox().append(message)
            log.warning("e-mail not sent (KB_MAIL_SERVER is not set); it would have said:\n"
                        "To: %s\nSubject: %s\n\n%s", message["To"], message["Subject"],
                        message.get_content(), extra={"kb_keep_tokens": _keeps_links()})
            return
        try:
            if self._smtp is None:
                self._smtp = _connect()
            self._smtp.send_message(message)
        except (OSError, smtplib.SMTPException):
            self._close()
            raise
        log.info("e-mail sent to %s: %s", message["To"], message["Subject"])

    def _close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None
