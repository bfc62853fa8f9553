"""Logging: JSON lines with the request attached, and a request id on every response."""
from __future__ import annotations

import json
import logging

from kb.logging_setup import JsonFormatter, RequestContextFilter


def test_every_response_carries_a_request_id_and_a_sane_incoming_one_is_kept(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert first and second and first != second
    kept = client.get("/healthz", headers={"X-Request-ID": "nginx-42.a"})
    assert kept.headers["X-Request-ID"] == "nginx-42.a"
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" level=ERROR {"a": 1}'})
    assert forged.headers["X-Request-ID"].isalnum()
    assert client.get("/healthz", headers={"X-Request-ID": "a" * 65}).headers["X-Request-ID"] != "a" * 65


def test_json_lines_carry_the_request_and_the_traceback(app):
    record_holder = []

    class Keep(logging.Handler):
        def emit(self, record):
            record_holder.append(self.format(record))

    handler = Keep()
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    log = logging.getLogger("kb.test_json")
    log.addHandler(handler)
    try:
        with app.test_request_context("/exempel?q=å", headers={"X-Request-ID": "abc-1"}):
            app.preprocess_request()
            try:
                raise ValueError("trasigt värde")
            except ValueError:
                log.exception("det gick fel för %s", "Åsa", extra={"case_id": 7})
    finally:
        log.removeHandler(handler)
    entry = json.loads(record_holder[0])
    assert entry["level"] == "ERROR"
    assert entry["message"] == "det gick fel för Åsa"
    assert entry["path"] == "/exempel" and entry["method"] == "GET"
    assert entry["request_id"] == "abc-1"
    assert entry["case_id"] == 7
    assert "ValueError: trasigt värde" in entry["exception"]
