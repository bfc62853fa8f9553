"""Brute-force protection: failed logins per account and per address, across workers."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from kb.extensions import db
from kb.models import AuditEvent
from tests.databases import in_ci
from tests.editor.fixtures import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _login(client, email, password, ip="192.0.2.1"):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def test_five_failures_lock_the_account_from_that_address_only(users, app):
    client = app.test_client()
    for _ in range(5):
        assert _login(client, "editor@kb.test", "fel", ip="192.0.2.1").status_code == 401
    response = _login(client, "Editor@kb.test", PASSWORD, ip="192.0.2.1")
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "För många misslyckade inloggningsförsök" in html and "minuter" in html
    assert 'value="Editor@kb.test"' in html
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/redaktion/").status_code == 302
    failed = db.session.execute(db.select(AuditEvent).filter_by(action="login_failed")).scalars().all()
    assert len(failed) == 5
    # The owner, elsewhere, is not locked out by the attacker (issue 11, finding 5).
    assert _login(app.test_client(), "editor@kb.test", PASSWORD, ip="198.51.100.7").status_code == 302


def test_a_guess_spread_over_many_addresses_is_stopped_but_the_owner_gets_in(users, app):
    app.config["LOGIN_LIMIT_ACCOUNT_TOTAL"] = "6 per hour"
    client = app.test_client()
    for n in range(6):  # a distributed guess: three addresses, two tries each
        assert _login(client, "editor@kb.test", "fel", ip=f"203.0.113.{n % 3}").status_code == 401
    for n in range(4):  # those addresses, and new ones once they have failed, are refused
        assert _login(client, "editor@kb.test", "fel", ip=f"203.0.113.{n}").status_code in (401, 429)
    assert _login(client, "editor@kb.test", PASSWORD, ip="203.0.113.0").status_code == 429
    assert _login(client, "editor@kb.test", "fel", ip="203.0.113.3").status_code == 429
    # An address with no failures on the account: the right password gets in.
    assert _login(app.test_client(), "editor@kb.test", PASSWORD, ip="198.51.100.7").status_code == 302


def test_invalid_login_forms_count_like_wrong_passwords(users, app):
    client = app.test_client()
    for _ in range(5):
        assert _login(client, "editor@kb.test", "").status_code == 400
    assert _login(client, "editor@kb.test", PASSWORD).status_code == 429


def test_ipv6_addresses_count_by_their_64_prefix(users, app):
    client = app.test_client()
    for n in range(5):
        assert _login(client, "editor@kb.test", "fel", ip=f"2001:db8:1:2::{n + 1}").status_code == 401
    assert _login(client, "editor@kb.test", PASSWORD, ip="2001:db8:1:2::ff").status_code == 429
    assert _login(client, "editor@kb.test", PASSWORD, ip="2001:db8:1:3::1").status_code == 302


def test_an_address_is_blocked_after_many_failures_on_any_accounts(users, app):
    app.config["LOGIN_LIMIT_ADDRESS"] = "3 per 15 minutes"
    client = app.test_client()
    for name in ("a", "b", "c"):
        assert _login(client, f"{name}@kb.test", "fel").status_code == 401
    assert _login(client, "editor@kb.test", PASSWORD).status_code == 429
    assert _login(client, "editor@kb.test", PASSWORD, ip="192.0.2.99").status_code == 302


def test_successful_logins_do_not_count(users, app):
    client = app.test_client()
    for _ in range(8):
        assert _login(client, "editor@kb.test", PASSWORD).status_code == 302
        client.post("/logout")


def test_password_reset_requests_are_limited_too(users, app):
    client = app.test_client()
    for _ in range(5):
        assert client.post("/glomt-losenord", data={"email": "editor@kb.test"}).status_code == 302
    response = client.post("/glomt-losenord", data={"email": "editor@kb.test"})
    assert response.status_code == 429
    assert "för många återställningslänkar" in response.get_data(as_text=True)


def _worker(app, storage_uri: str, prefix: str, attempts: int) -> list[int]:
    result = subprocess.run(
        [sys.executable, "-m", "tests.security.limit_worker", app.config["DATABASE_URL"],
         storage_uri, prefix, "editor@kb.test", str(attempts)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def _redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.ping()
    except redis.RedisError as exc:
        message = f"Redis at {REDIS_URL} is unreachable ({exc}); the cross-worker rate limit is untested"
        if in_ci():
            pytest.fail(message + " (CI=true: Redis is required)")
        pytest.skip(message + " — start redis-server or set KB_TEST_REDIS_URL")
    return client


@pytest.mark.slow
def test_the_limit_holds_across_two_workers_sharing_redis(users, app):
    redis_client = _redis_or_skip()
    prefix = f"kbtest-{uuid.uuid4().hex}"
    db.session.commit()
    try:
        assert _worker(app, REDIS_URL, prefix, 3) == [401, 401, 401]
        # The second worker sees the first one's failures: two more, then refused.
        assert _worker(app, REDIS_URL, prefix, 3) == [401, 401, 429]
    finally:
        for key in redis_client.scan_iter(match=f"*{prefix}*"):
            redis_client.delete(key)


@pytest.mark.slow
def test_with_memory_storage_each_worker_counts_alone(users, app):
    """Why several workers need redis://: memory:// keeps the count inside one process."""
    db.session.commit()
    assert _worker(app, "memory://", "m", 3) == [401, 401, 401]
    assert _worker(app, "memory://", "m", 3) == [401, 401, 401]
