"""Run ``kb serve`` (gunicorn) on a loopback port for tests and the stress scripts."""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KB = str(Path(sys.executable).with_name("kb"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, timeout: float = 60.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - loopback
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


class Server:
    """A gunicorn master started with ``kb serve``; stop() ends it and its workers."""

    def __init__(self, database_url: str, index_dir: Path, *, workers: int = 2,
                 log: Path | None = None, env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log or index_dir.parent / f"gunicorn-{self.port}.log"
        self.env = {
            **os.environ, "KB_DATABASE_URL": database_url, "KB_INDEX_DIR": str(index_dir),
            "KB_SECRET_KEY": "stress-and-tests-only", "KB_BIND": f"127.0.0.1:{self.port}",
            "KB_BASE_URL": self.url,
            # Several workers share their rate-limit counters, as in production (only the
            # routes with limits touch Redis).
            "KB_RATELIMIT_STORAGE_URI": os.environ.get("KB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "KB_RATELIMIT_KEY_PREFIX": f"kbtest-{self.port}-{os.getpid()}",
            "KB_WORKERS": str(workers), "KB_INSTANCE_PATH": str(index_dir.parent / "instance"),
            **(env or {}),
        }
        self.env.pop("KB_DEV", None)
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> Server:
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen([KB, "serve"], cwd=ROOT, env=self.env,  # noqa: S603
                                        stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kb serve exited: {self.log_path.read_text()[-2000:]}")
            try:
                if get(self.url + "/healthz", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"kb serve not healthy in {timeout} s: {self.log_path.read_text()[-2000:]}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def workers(self) -> list[int]:
        """The worker processes' ids (children of the master)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return sorted(int(p) for p in path.read_text().split()) if path.exists() else []

    def wait_for_workers(self, count: int, exclude: set[int] = frozenset(), timeout: float = 30) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            workers = [w for w in self.workers() if w not in exclude]
            if len(workers) >= count:
                return workers
            time.sleep(0.1)
        raise RuntimeError(f"fewer than {count} workers after {timeout} s")

    def signal(self, sig: int) -> None:
        os.kill(self.pid, sig)

    def stop(self, timeout: float = 40.0) -> int:
        if self.process is None:
            return 0
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()
        return self.process.returncode

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()

    def json_log(self) -> list[dict]:
        out = []
        for line in self.log_lines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out


class _Forms(HTMLParser):
    """Every <form> on a page: its action, method and the values a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._textarea: str | None = None
        self._select: tuple[str, bool] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                               "fields": []})
            return
        if not self.forms:
            return
        fields = self.forms[-1]["fields"]
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in ("submit", "button", "image", "file"):
                fields.append((a["name"], a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields.append((a["name"], ""))
        elif tag == "select" and a.get("name"):
            self._select = (a["name"], "multiple" in a)
            self._first_option: str | None = None
            self._chosen = False
        elif tag == "option" and self._select:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                fields.append((self._select[0], value))
                self._chosen = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea":
            self._textarea = None
        elif tag == "select" and self._select:
            if not self._chosen and not self._select[1] and self._first_option is not None:
                self.forms[-1]["fields"].append((self._select[0], self._first_option))
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            name, value = self.forms[-1]["fields"][-1]
            self.forms[-1]["fields"][-1] = (name, value + data)


def _matches(form: dict, where: dict[str, str | None]) -> bool:
    names = {k for k, _ in form["fields"]}
    return all((k in names) if v is None else ((k, v) in form["fields"]) for k, v in where.items())


class Browser:
    """Cookies, forms with their CSRF token, redirects: what an editor's browser does."""

    def __init__(self, base_url: str) -> None:
        self.base = base_url
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, data: list[tuple[str, str]] | None = None,
             timeout: float = 60.0) -> tuple[int, str, str]:
        """(status, body, final URL) after redirects."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=timeout) as response:
                return response.status, response.read().decode("utf-8", "replace"), response.url
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode("utf-8", "replace"), exc.url

    def forms(self, html: str) -> list[dict]:
        parser = _Forms()
        parser.feed(html)
        return parser.forms

    def submit(self, page_path: str, changes: dict[str, str | list[str]] | None = None,
               where: dict[str, str | None] | None = None) -> tuple[int, str, str]:
        """Fill in the form on ``page_path``: the first POST form whose fields match ``where``
        (a name with its value, or a name with None for "has this field")."""
        status, html, _ = self.open(page_path)
        if status != 200:
            raise RuntimeError(f"GET {page_path}: {status}")
        form = next(f for f in self.forms(html) if f["method"] == "post" and _matches(f, where or {}))
        changes = changes or {}
        fields = [(k, v) for k, v in form["fields"] if k not in changes]
        for key, value in changes.items():
            fields.extend((key, v) for v in (value if isinstance(value, list) else [value]))
        action = urllib.parse.urljoin(self.base + page_path, form["action"] or page_path)
        return self.open(action[len(self.base):], fields)

    def login(self, email: str, password: str) -> None:
        status, _, url = self.submit("/login", {"email": email, "password": password},
                                     where={"password": None})
        if status != 200 or "/login" in url:
            raise RuntimeError(f"login failed: {status} {url}")

    def create_case(self, fields: dict[str, str | list[str]]) -> int:
        status, html, url = self.submit("/redaktion/exempel/nytt", fields, where={"title": None})
        match = re.search(r"/redaktion/exempel/(\d+)$", url)
        if status != 200 or not match:
            raise RuntimeError(f"new case not saved: {status} {url} {html[:500]}")
        return int(match.group(1))

    def publish(self, case_id: int) -> None:
        page = f"/redaktion/exempel/{case_id}"
        for step in ("submit", "publish"):
            status, _, _ = self.submit(page, where={"action": step})
            if status != 200:
                raise RuntimeError(f"{step} failed: {status}")

    def edit_case(self, case_id: int, changes: dict[str, str | list[str]]) -> tuple[int, str]:
        """Save the edit form with ``changes``; (status, final URL). 409 on a conflict."""
        status, _, url = self.submit(f"/redaktion/exempel/{case_id}/redigera", changes,
                                     where={"title": None})
        return status, url


def create_user(env: dict[str, str], email: str, password: str, role: str = "admin") -> None:
    """``kb user create`` against the database in ``env`` (as an operator would)."""
    subprocess.run([KB, "user", "create", email, "--role", role, "--name", "Stress",  # noqa: S603
                    "--password-stdin"], input=password + "\n", text=True, env=env, cwd=ROOT,
                   check=True, capture_output=True)
