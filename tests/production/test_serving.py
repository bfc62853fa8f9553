"""kb serve: gunicorn with several workers, JSON access log, graceful reload and stop.

One server serves the module (starting gunicorn costs seconds); the TERM test ends it, so it
comes last. Nothing here asserts on speed: waits end on what they wait for, with bounds
generous enough for a machine busy with other work.
"""
from __future__ import annotations

import os
import signal
import threading
import time
import urllib.error

import pytest

from kb import create_app
from kb.extensions import db
from kb.serving import default_workers
from tests.production.servers import Server, get

pytestmark = pytest.mark.slow
PATIENCE = 300.0  # seconds: a bound for a wait that normally ends in a second or two
PAGE = "/exempel/barnrattsombud"


def test_default_worker_count_is_two_per_core_plus_one_capped():
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(64) == 8


@pytest.fixture(scope="module")
def server(module_database_url, tmp_path_factory, case_data):
    tmp = tmp_path_factory.mktemp("serving")
    app = create_app({"DATABASE_URL": module_database_url, "INDEX_DIR": str(tmp / "setup-index")})
    with app.app_context():
        from kb.services.cases import save_case

        save_case(case_data(title="Barnrättsombud i skolan", slug="barnrattsombud"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    server = Server(module_database_url, tmp / "index", workers=2,
                    env={"KB_LOG_FORMAT": "json"}).start(timeout=PATIENCE)
    yield server
    server.stop()


def test_serves_pages_with_a_json_access_log(server):
    status, body = get(server.url + PAGE, timeout=PATIENCE)
    assert status == 200
    assert "Barnrättsombud i skolan" in body.decode()
    assert get(server.url + "/healthz", timeout=PATIENCE)[0] == 200
    assert len(server.wait_for_workers(2, timeout=PATIENCE)) == 2

    def page_logged() -> bool:  # the worker writes the line after the response
        return any(e.get("type") == "access" and e.get("path") == PAGE for e in server.json_log())

    wait_until(page_logged)
    page = next(e for e in server.json_log() if e.get("type") == "access" and e["path"] == PAGE)
    assert page["status"] == 200 and page["method"] == "GET"
    assert page["request_id"] and page["duration_ms"] >= 0
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in server.json_log())


def test_hup_replaces_every_worker_without_failing_a_request(server):
    """Readers keep asking while gunicorn swaps every worker: every answer is a 200.

    A slow answer is not a failure (the machine may be busy); a refused connection, a
    reset, an error status or no answer within PATIENCE is.
    """
    before = set(server.wait_for_workers(2, timeout=PATIENCE))
    answers: list[int | str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                answers.append(get(server.url + PAGE, timeout=PATIENCE)[0])
            except (OSError, urllib.error.URLError) as exc:  # refused, reset, timed out
                answers.append(f"{type(exc).__name__}: {exc}")

    readers = [threading.Thread(target=read) for _ in range(2)]  # one is always in flight
    for thread in readers:
        thread.start()
    try:
        wait_until(lambda: len(answers) >= 5)
        server.signal(signal.SIGHUP)
        wait_until(lambda: len(server.workers()) == 2 and not set(server.workers()) & before)
        served_before = len(answers)
        wait_until(lambda: len(answers) >= served_before + 5)  # the new workers answer too
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert server.process.poll() is None, "the master must survive a reload"
    assert [a for a in answers if a != 200] == []


def wait_until(condition, timeout: float = PATIENCE) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        time.sleep(0.05)


def test_a_worker_that_crashes_in_c_code_leaves_a_traceback(server):
    """faulthandler in every worker: a segmentation fault is logged with the Python
    traceback of each thread, and the master replaces the worker."""
    worker = server.wait_for_workers(2)[0]
    os.kill(worker, signal.SIGSEGV)
    wait_until(lambda: any("Fatal Python error: Segmentation fault" in line for line in server.log_lines()))
    wait_until(lambda: any("gunicorn/workers/" in line and line.lstrip().startswith("File ")
                           for line in server.log_lines()))
    wait_until(lambda: len(server.workers()) == 2 and worker not in server.workers())
    assert get(server.url + "/healthz")[0] == 200


def test_term_stops_gracefully(server):
    """Last in the module: it ends the shared server."""
    assert server.stop() == 0
