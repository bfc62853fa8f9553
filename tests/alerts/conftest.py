"""Fixtures for alerts: a real SMTP server on loopback (aiosmtpd) that can refuse on demand."""
from __future__ import annotations

import re
import socket
import threading
from collections import deque

import pytest
from aiosmtpd.controller import Controller

from kb.services.mail import outbox


class Recorder:
    """Keeps accepted messages; answers the next ``refusals`` with those SMTP replies."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []
        self.refusals: deque[str] = deque()
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        if self.refusals:
            return self.refusals.popleft()
        self.messages.append(envelope.original_content or envelope.content)
        self.arrived.set()
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpServer:
    def __init__(self, port: int) -> None:
        self.port = port
        self.recorder = Recorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def messages(self) -> list[bytes]:
        return self.recorder.messages


@pytest.fixture
def smtp(app):
    """An SMTP server on a free loopback port, and the app configured to use it (no TLS)."""
    server = SmtpServer(free_port())
    server.start()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False,
                      MAIL_USE_SSL=False, MAIL_SENDER="Kunskapsbanken <noreply@kb.test>")
    yield server
    server.stop()


@pytest.fixture
def mails(app):
    """Messages the development backend wrote to the log (no KB_MAIL_SERVER)."""
    box = outbox(app)
    box.clear()
    return box


def link_in(text: str, path: str) -> str:
    """The first link in a mail's text whose path starts with ``path``."""
    match = re.search(r"https?://[^/\s]+(" + re.escape(path) + r"[^\s]*)", text)
    assert match, f"no {path} link in:\n{text}"
    return match.group(1)


@pytest.fixture
def login(app, client):
    """Log ``client`` in with a role (as Flask-Login's session would after a real login)."""
    from flask import g

    from kb.extensions import db
    from kb.models import User

    def log_in(role: str = "admin"):
        user = User(email=f"{role}@exempel.se", name="Ada", role=role, session_token="t0k3n")
        db.session.add(user)
        db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        g.pop("_login_user", None)
        return user
    return log_in
