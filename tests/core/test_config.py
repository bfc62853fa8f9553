"""Configuration from KB_* variables; no secret key, no start in production."""
from __future__ import annotations

import pytest

from kb import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("KB_SECRET_KEY", raising=False)
    monkeypatch.delenv("KB_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="KB_SECRET_KEY"):
        create_app()


def test_settings_come_from_kb_environment_variables(monkeypatch, tmp_path):
    monkeypatch.delenv("KB_DEV", raising=False)
    monkeypatch.setenv("KB_SECRET_KEY", "s3cret")
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.se/")
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "idx"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"
    assert app.config["INDEX_DIR"] == str(tmp_path / "idx")
    assert app.config["BASE_URL"] == "https://kb.example.se"
    assert app.config["TRUSTED_HOSTS"] == ["kb.example.se"]


def test_defaults_live_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_DEV", "1")
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    for name in ("KB_SECRET_KEY", "KB_DATABASE_URL", "KB_INDEX_DIR"):
        monkeypatch.delenv(name, raising=False)
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/kb.sqlite3"
    assert app.config["INDEX_DIR"] == str(tmp_path / "index")


def test_postgres_urls_use_psycopg3(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_SECRET_KEY", "x")
    monkeypatch.setenv("KB_BASE_URL", "https://kb.example.se")
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql://user@127.0.0.1/test")
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")


def test_production_without_a_base_url_answers_local_names_only(monkeypatch, tmp_path):
    """The `kb` command works; serving refuses (test_safe_defaults); no other host is answered."""
    monkeypatch.delenv("KB_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("KB_BASE_URL", raising=False)
    monkeypatch.setenv("KB_SECRET_KEY", "s3cret")
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["BASE_URL"] == "http://localhost" and not app.config["ORIGIN_CONFIGURED"]
    client = app.test_client()
    assert client.get("/robots.txt", headers={"Host": "evil.example"}).status_code == 400
    result = app.test_cli_runner().invoke(args=["mail", "send"])
    assert result.exit_code != 0 and "KB_BASE_URL" in result.output


@pytest.mark.parametrize("value", ["kb.example.se", "ftp://kb.example.se", "https://kb.example.se/kb",
                                   "https://user@kb.example.se", "https://kb.example.se:99999"])
def test_an_unusable_base_url_is_refused_with_its_value(monkeypatch, tmp_path, value):
    monkeypatch.setenv("KB_SECRET_KEY", "s3cret")
    monkeypatch.setenv("KB_BASE_URL", value)
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    with pytest.raises(RuntimeError, match="KB_BASE_URL"):
        create_app()


def test_trusted_hosts_are_the_base_url_host_and_the_extra_names(monkeypatch, tmp_path):
    monkeypatch.delenv("KB_DEV", raising=False)
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.setenv("KB_SECRET_KEY", "s3cret")
    monkeypatch.setenv("KB_BASE_URL", "https://KB.example.se:8443")
    monkeypatch.setenv("KB_TRUSTED_HOSTS", "www.kb.example.se, kb.internal")
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["BASE_URL"] == "https://kb.example.se:8443"
    assert app.config["PREFERRED_URL_SCHEME"] == "https"
    assert app.config["TRUSTED_HOSTS"] == ["kb.example.se", "www.kb.example.se", "kb.internal"]


def test_development_defaults_to_the_local_address(monkeypatch, tmp_path):
    monkeypatch.setenv("KB_DEV", "1")
    monkeypatch.delenv("KB_BASE_URL", raising=False)
    monkeypatch.delenv("KB_TRUSTED_HOSTS", raising=False)
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert "localhost" in app.config["TRUSTED_HOSTS"]
