"""Login limits under `kb serve` with two workers sharing Redis (issue 11, finding 5): the
counts hold across workers, and the attacker's address is locked out, not the owner."""
from __future__ import annotations

import http.client
import re
import uuid
from urllib.parse import urlencode

import pytest

from kb.extensions import db
from kb.services.users import create_user
from tests.production.servers import Server
from tests.security.test_rate_limit import _redis_or_skip

pytestmark = pytest.mark.slow
PASSWORD = "ett långt lösenord 42"


class Browser:
    """One client on one loopback address, with its own cookies."""

    def __init__(self, port: int, address: str) -> None:
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, body: dict | None = None) -> tuple[int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30,
                                          source_address=(self.address, 0))
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        text = response.read().decode()
        conn.close()
        return response.status, text

    def login(self, email: str, password: str) -> int:
        _, html = self.request("GET", "/login")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
        return self.request("POST", "/login", {"email": email, "password": password,
                                               "csrf_token": token})[0]


@pytest.fixture
def server(app, database_url, tmp_path):
    redis_client = _redis_or_skip()
    create_user("owner@kb.test", "editor", name="Ägare", password=PASSWORD)
    db.session.commit()
    prefix = f"kbtest-served-{uuid.uuid4().hex}"
    server = Server(database_url, tmp_path / "index", workers=2,
                    env={"KB_RATELIMIT_KEY_PREFIX": prefix}).start()
    yield server
    server.stop()
    for key in redis_client.scan_iter(match=f"*{prefix}*"):
        redis_client.delete(key)


def test_failed_logins_count_across_two_workers_and_lock_only_the_attackers_address(server):
    assert len(server.wait_for_workers(2)) == 2
    attacker = Browser(server.port, "127.0.0.2")
    codes = [attacker.login("owner@kb.test", f"gissning {n}") for n in range(8)]
    assert codes == [401] * 5 + [429] * 3  # one count across both workers
    assert attacker.login("owner@kb.test", PASSWORD) == 429
    owner = Browser(server.port, "127.0.0.3")
    assert owner.login("owner@kb.test", PASSWORD) == 302
