"""Two app nodes on one PostgreSQL database, each with its own index folder.

An editor works on node A; readers search on node B. B's follower (``kb index follow``, as
deploy/systemd runs it beside gunicorn) applies the database's change log
(``index_changes``) to B's index, so the edit is searchable there within seconds without
anyone telling B; B's web workers only read. The bound on each wait is generous (a busy
machine is slow, not wrong); the seconds it took are printed.
"""
from __future__ import annotations

import json
import subprocess
import time
import urllib.parse

import pytest

from tests.production.servers import KB, ROOT, Browser, Server, create_user, get

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
PASSWORD = "Noderna-delar-databas-2026"
PATIENCE = 120.0  # seconds; on a quiet machine each wait ends within a second


def search_slugs(server: Server, query: str) -> list[str]:
    status, body = get(f"{server.url}/api/v1/search?{urllib.parse.urlencode({'q': query})}")
    assert status == 200, body[:300]
    return [hit["slug"] for hit in json.loads(body)["results"]]


def pending_changes(server: Server) -> int:
    return json.loads(get(server.url + "/healthz")[1])["checks"]["index"]["pending_changes"]


def wait_for(condition, seconds: float) -> float:
    """Seconds until ``condition()`` held; fails after ``seconds``."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < seconds, f"not within {seconds} s"
        time.sleep(0.1)
    return time.monotonic() - start


@pytest.fixture
def nodes(database_url, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one_editor = {"KB_REVIEW_FOUR_EYES": "false"}  # she publishes her own case
    a = Server(database_url, tmp_path / "a" / "index", workers=2, env=one_editor)
    b = Server(database_url, tmp_path / "b" / "index", workers=2, env=one_editor)
    create_user(a.env, "nod@example.se", PASSWORD)
    a.start(timeout=PATIENCE)
    b.start(timeout=PATIENCE)
    followers = [subprocess.Popen([KB, "index", "follow", "--interval", "0.2"], cwd=ROOT,  # noqa: S603
                                  env=node.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                 for node in (a, b)]
    for follower in followers:  # its first line comes once it is following
        assert follower.stdout.readline().startswith("Följer ändringsloggen")
    yield a, b
    for follower in followers:
        follower.terminate()
        assert follower.wait(PATIENCE) == 0  # TERM: a clean stop
    a.stop()
    b.stop()


def test_an_edit_on_one_node_is_searchable_on_the_other_within_seconds(nodes):
    a, b = nodes
    editor = Browser(a.url)
    editor.login("nod@example.se", PASSWORD)
    case_id = editor.create_case({
        "title": "Flerspråkig läxhjälp i Tranemo", "summary": "Läxhjälp på fem språk.",
        "organisation": "Tranemo kommun", "organisation_type": "kommun",
        "body": "Biblioteket ordnar läxhjälp med tolkar.",
    })
    editor.publish(case_id)
    slug = "flersprakig-laxhjalp-i-tranemo"
    waited = wait_for(lambda: slug in search_slugs(b, "läxhjälp tolkar"), PATIENCE)
    print(f"published on A, found on B after {waited:.2f} s")

    status, _ = editor.edit_case(case_id, {"title": "Flerspråkig läxhjälp med tolkar i Tranemo",
                                           "body": "Biblioteket ordnar läxhjälp med kulturtolkar."})
    assert status == 200
    wait_for(lambda: slug in search_slugs(b, "kulturtolkar"), PATIENCE)

    status, _, _ = editor.submit(f"/redaktion/exempel/{case_id}", where={"action": "archive"})
    assert status == 200
    wait_for(lambda: search_slugs(b, "kulturtolkar") == [], PATIENCE)

    for node in (a, b):  # both indexes catch up with the database; A's own follower may lag B's
        wait_for(lambda node=node: pending_changes(node) == 0, PATIENCE)
