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
    monkeypatch.setenv("KB_SECRET_KEY", "s3cret")
    monkeypatch.setenv("KB_DATABASE_URL", f"sqlite:///{tmp_path}/x.sqlite3")
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "idx"))
    app = create_app()
    assert app.config["SECRET_KEY"] == "s3cret"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/x.sqlite3"
    assert app.config["INDEX_DIR"] == str(tmp_path / "idx")


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
    monkeypatch.setenv("KB_DATABASE_URL", "postgresql://user@127.0.0.1/test")
    monkeypatch.setenv("KB_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql+psycopg://")
