"""Safe defaults (issue 11, finding 6): bounded sessions, expiring CSRF tokens, private backups
without session tokens, no development key or per-process limits when serving."""
from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest
from itsdangerous.timed import TimestampSigner

from kb.extensions import db
from kb.models import Case, User
from kb.services.cases import case_to_data
from kb.serving import startup_problems
from tests.editor.fixtures import PASSWORD, form_for
from tests.editor.test_suggest import TIP

ROOT = Path(__file__).resolve().parents[2]
HOUR = 3600


@pytest.fixture
def clock(monkeypatch):
    """Move the clock that signs and checks session cookies and CSRF tokens."""
    offset = {"seconds": 0}
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp",
                        lambda self: real(self) + offset["seconds"])

    def advance(seconds: float) -> None:
        offset["seconds"] += int(seconds)
    return advance


def test_an_idle_editor_session_ends_after_twelve_hours(users, login, clock, app):
    assert app.permanent_session_lifetime.total_seconds() == 12 * HOUR
    client = login(users["editor"])
    clock(6 * HOUR)
    assert client.get("/redaktion/").status_code == 200  # in use: the session is renewed
    clock(7 * HOUR)  # 13 h after login, 7 h idle
    assert client.get("/redaktion/").status_code == 200
    clock(12 * HOUR + 60)
    response = client.get("/redaktion/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_remember_me_lasts_at_most_fourteen_days(app):
    assert app.config["REMEMBER_COOKIE_DURATION"] <= 14 * 24 * HOUR
    assert not app.config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def _token(client, path: str) -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def test_a_form_older_than_eight_hours_asks_for_a_reload_and_keeps_what_was_typed(client, csrf_on,
                                                                                  clock):
    token = _token(client, "/tipsa")
    clock(7 * HOUR)
    assert client.post("/tipsa", data={**TIP, "csrf_token": token}).status_code == 302
    token = _token(client, "/tipsa")
    clock(8 * HOUR + 60)
    response = client.post("/tipsa", data={**TIP, "body": "Rad ett\n<b>rad två</b>", "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Formuläret är för gammalt" in html and "Ladda om sidan" in html
    assert 'href="/tipsa"' in html
    assert TIP["title"] in html and "Rad ett\n&lt;b&gt;rad två&lt;/b&gt;" in html
    assert token not in html


def _case_form(draft, **changes) -> dict:
    return form_for(case_to_data(draft), version=draft.version, **changes)


def test_an_old_case_form_keeps_everything_typed_and_leads_back_to_the_form(users, login, draft,
                                                                            app, clock):
    client = login(users["editor"])
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/redaktion/exempel/{draft.id}/redigera"
    token = _token(client, url)
    clock(8 * HOUR + 60)  # the editor was away from the form for a working day
    client.get("/redaktion/")  # …but used another tab, so she is still logged in
    typed = _case_form(draft, title="Ny rubrik skriven sent", body="Rad ett\n<b>rad två</b>",
                       message="Sent meddelande", csrf_token=token)
    response = client.post(url, data=typed)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Formuläret är för gammalt" in html
    assert f'href="{url}"' in html
    for value in ("Ny rubrik skriven sent", "Rad ett\n&lt;b&gt;rad två&lt;/b&gt;", "Sent meddelande",
                  typed["summary"], typed["organisation"]):
        assert value in html, value
    assert token not in html
    db.session.expire_all()
    assert db.session.get(Case, draft.id).title == "Utkast om barnbudget"


def test_a_case_form_sent_after_the_login_expired_keeps_everything_typed(users, login, draft, app,
                                                                         clock):
    client = login(users["editor"])
    app.config["WTF_CSRF_ENABLED"] = True
    url = f"/redaktion/exempel/{draft.id}/redigera"
    token = _token(client, url)
    clock(12 * HOUR + 60)  # idle past the session's end: the login and its form key are gone
    response = client.post(url, data=_case_form(draft, body="Skrivet medan inloggningen gick ut.",
                                                 csrf_token=token))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Skrivet medan inloggningen gick ut." in html
    # Reloading the form asks her to log in first, and then brings her back to it.
    reload = client.get(url)
    assert reload.status_code == 302 and "/login" in reload.headers["Location"]
    assert "redigera" in reload.headers["Location"]
    db.session.expire_all()
    assert db.session.get(Case, draft.id).version == 1


def test_a_refused_login_form_keeps_the_address_but_never_shows_the_password(users, client, csrf_on):
    response = client.post("/login", data={"email": "editor@kb.test", "password": PASSWORD,
                                           "csrf_token": "gammal"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "editor@kb.test" in html
    assert PASSWORD not in html


def test_a_backup_is_private_and_holds_no_session_tokens(users, login, runner, tmp_path, app):
    login(users["editor"])
    token = db.session.get(User, users["editor"].id).session_token
    assert token
    old = os.umask(0o022)
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "kopia")])
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    paths = [tmp_path / "kopia", *(tmp_path / "kopia").rglob("*")]
    for path in paths:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))
    users_dump = (tmp_path / "kopia" / "tables" / "users.jsonl").read_text(encoding="utf-8")
    assert token not in users_dump and '"session_token": ""' in users_dump


@pytest.mark.parametrize(("env", "workers", "refused", "warned"), [
    ({}, 1, ["KB_SECRET_KEY", "KB_BASE_URL"], []),
    ({"KB_DEV": "1"}, 1, ["KB_SECRET_KEY"], []),  # a development key is never served
    ({"KB_SECRET_KEY": "s", "KB_BASE_URL": "https://kb.example.se"}, 1, [], []),
    ({"KB_SECRET_KEY": "s", "KB_BASE_URL": "https://kb.example.se"}, 2, ["memory://"], []),
    ({"KB_SECRET_KEY": "s", "KB_DEV": "1"}, 2, [], ["memory://"]),
    ({"KB_SECRET_KEY": "s", "KB_BASE_URL": "https://kb.example.se",
      "KB_RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"}, 5, [], []),
])
def test_serving_refuses_a_dev_key_and_per_process_limits(env, workers, refused, warned):
    refuse, warn = startup_problems(env, workers)
    assert len(refuse) == len(refused) and all(w in m for w, m in zip(refused, refuse, strict=True))
    assert len(warn) == len(warned) and all(w in m for w, m in zip(warned, warn, strict=True))


@pytest.mark.parametrize("worker_class", ["gthread", "gevent"])
def test_serving_refuses_threaded_workers(worker_class):
    env = {"KB_SECRET_KEY": "s", "KB_BASE_URL": "https://kb.example.se"}
    refuse, _ = startup_problems(env, 1, worker_class)
    assert len(refuse) == 1 and worker_class in refuse[0] and "SIGSEGV" in refuse[0]
    assert startup_problems(env, 1, "sync") == ([], [])


@pytest.mark.slow
def test_kb_serve_refuses_threads(tmp_path):
    """gunicorn makes threads > 1 a gthread worker, whatever the worker class says."""
    env = _production_env(tmp_path, KB_SECRET_KEY="s", KB_BASE_URL="https://kb.example.se",
                          KB_WORKERS="1", KB_THREADS="4", KB_BIND="127.0.0.1:9")
    result = _kb(env, "serve")
    assert result.returncode == 1 and "gthread" in result.stderr and "SIGSEGV" in result.stderr
    assert "Traceback" not in result.stderr


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KB_", "FLASK_"))}
    return {**env, "KB_INSTANCE_PATH": str(tmp_path),
            "KB_DATABASE_URL": f"sqlite:///{tmp_path / 'kb.sqlite3'}",
            "KB_INDEX_DIR": str(tmp_path / "index"), **extra}


def _kb(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess:
    return subprocess.run([str(ROOT / ".venv" / "bin" / "kb"), *args], env=env, input=stdin,  # noqa: S603
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.slow
def test_kb_serve_refuses_per_process_limits_with_two_workers(tmp_path):
    env = _production_env(tmp_path, KB_SECRET_KEY="s", KB_BASE_URL="https://kb.example.se",
                          KB_WORKERS="2", KB_BIND="127.0.0.1:9")
    result = _kb(env, "serve")
    assert result.returncode == 1 and "KB_RATELIMIT_STORAGE_URI=memory://" in result.stderr
    assert "Traceback" not in result.stderr
    result = _kb({**env, "KB_DEV": "1", "KB_SECRET_KEY": ""}, "serve")
    assert result.returncode == 1 and "kb serve använder aldrig utvecklingsnyckeln" in result.stderr


@pytest.mark.slow
def test_the_readmes_first_admin_command_works_on_a_production_set_up(tmp_path):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = re.search(r'echo "\$LOSENORD" \| \.venv/bin/kb (user create \S+ --role admin --password-stdin)',
                        readme).group(1).split()
    bare = _production_env(tmp_path)
    result = _kb(bare, *command, stdin="ett långt lösenord 42\n")
    assert result.returncode == 1 and "KB_SECRET_KEY saknas" in result.stderr
    assert "Traceback" not in result.stderr
    env = _production_env(tmp_path, KB_SECRET_KEY="s", KB_BASE_URL="https://kb.example.se")
    assert _kb(env, "db", "upgrade").returncode == 0
    result = _kb(env, *command, stdin="ett långt lösenord 42\n")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "är skapat med rollen administratör" in result.stdout


def test_only_make_run_and_the_tests_set_kb_dev(tmp_path):
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert not re.search(r"^export KB_DEV", makefile, re.M)
    probe = tmp_path / "probe.mk"
    probe.write_text("".join(f"{t}:\n\t@echo {t}=$$KB_DEV\n" for t in ("db", "run", "serve", "test")))
    env = {k: v for k, v in os.environ.items() if k != "KB_DEV"}
    seen = {}
    for target in ("run", "serve", "test"):
        result = subprocess.run(["make", "--no-print-directory", "-f", "Makefile", "-f", str(probe),  # noqa: S607
                                 target], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        seen[target] = result.stdout.split()
    assert seen["run"] == ["db=1", "run=1"]  # `make run` migrates in development mode too
    assert seen["serve"] == ["db=", "serve="]
    assert "test=1" in seen["test"]
