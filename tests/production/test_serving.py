"""kb serve: gunicorn with several workers, JSON access log, graceful reload and stop."""
from __future__ import annotations

import signal
import threading
import time

import pytest

from kb.serving import default_workers
from tests.production.servers import Server, get

pytestmark = pytest.mark.slow


def test_default_worker_count_is_two_per_core_plus_one_capped():
    assert default_workers(1) == 3
    assert default_workers(2) == 5
    assert default_workers(64) == 8


@pytest.fixture
def server(database_url, tmp_path, make_case):
    make_case(title="Barnrättsombud i skolan", slug="barnrattsombud")
    server = Server(database_url, tmp_path / "index", workers=2,
                    env={"KB_LOG_FORMAT": "json"}).start()
    yield server
    server.stop()


def test_serves_pages_with_a_json_access_log(server):
    status, body = get(server.url + "/exempel/barnrattsombud")
    assert status == 200
    assert "Barnrättsombud i skolan" in body.decode()
    assert get(server.url + "/healthz")[0] == 200
    assert len(server.workers()) == 2
    time.sleep(0.3)
    access = [e for e in server.json_log() if e.get("type") == "access"]
    page = next(e for e in access if e["path"] == "/exempel/barnrattsombud")
    assert page["status"] == 200 and page["method"] == "GET"
    assert page["request_id"] and page["duration_ms"] >= 0
    assert any(e["logger"] == "gunicorn.error" and "Booting worker" in e["message"]
               for e in server.json_log())


def test_hup_replaces_every_worker_without_failing_a_request(server):
    before = set(server.wait_for_workers(2))
    statuses: list[int] = []
    stop = threading.Event()

    def load():
        while not stop.is_set():
            statuses.append(get(server.url + "/exempel/barnrattsombud")[0])

    thread = threading.Thread(target=load)
    thread.start()
    wait_until(lambda: len(statuses) >= 5)
    server.signal(signal.SIGHUP)
    wait_until(lambda: len(server.workers()) == 2 and not set(server.workers()) & before)
    served_before = len(statuses)
    wait_until(lambda: len(statuses) >= served_before + 5)  # the new workers answer too
    stop.set()
    thread.join()
    assert server.process.poll() is None, "the master must survive a reload"
    assert set(statuses) == {200}


def wait_until(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_term_stops_gracefully(server):
    assert server.stop() == 0
