"""One-time tokens (password reset, invitations, alert links) never reach a log line."""
from __future__ import annotations

import datetime as dt
import io
import logging
from types import SimpleNamespace

from gunicorn.config import Config

from kb.logging_setup import JsonFormatter, RequestContextFilter, scrub_tokens
from kb.serving import ACCESS_LOG_FORMAT, GunicornLogger

TOKEN = "Zq3-xY_9aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
PATHS = [f"/losenord/{TOKEN}", f"/bevakning/bekrafta/{TOKEN}", f"/bevakning/avsluta/{TOKEN}",
         f"/bevakning/{TOKEN}", f"/bevakning/{TOKEN}/ta-bort/3"]


def _access_line(path: str, referer: str) -> str:
    logger = GunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path + "?token=" + TOKEN, "PATH_INFO": path,
               "QUERY_STRING": "token=" + TOKEN, "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1", "HTTP_REFERER": referer, "HTTP_USER_AGENT": "test"}
    resp = SimpleNamespace(status="200 OK", headers=[("X-Request-ID", "abc")], sent=10)
    req = SimpleNamespace(headers=[("REFERER", referer)])
    atoms = logger.atoms(resp, req, environ, dt.timedelta(milliseconds=5))
    return (ACCESS_LOG_FORMAT % atoms) + " " + " ".join(str(v) for v in atoms.values())


def test_gunicorn_access_lines_carry_no_tokens():
    for path in PATHS:
        line = _access_line(path, referer=f"https://kb.example{PATHS[0]}")
        assert TOKEN not in line, line
        assert "[dolt]" in line


def test_application_log_records_carry_no_tokens(app):
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    log = logging.getLogger("kb.test_tokens")
    log.addHandler(handler)
    try:
        for path in PATHS:
            with app.test_request_context(path):
                log.warning("request %s from %s", path, "x")
            log.warning('127.0.0.1 - - "GET %s HTTP/1.1" 200 -', path)  # the dev server's line
    finally:
        log.removeHandler(handler)
    output = stream.getvalue()
    assert TOKEN not in output and output.count("[dolt]") >= 2 * len(PATHS)


def test_ordinary_paths_are_left_alone():
    for text in ("/exempel/losenord-och-sakerhet", "/bevakning", "/sok?q=token", "/tagg/barn"):
        assert scrub_tokens(text) == text
