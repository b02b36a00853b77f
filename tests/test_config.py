"""Configuration from the environment."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

from config import database_url, development_secret_key, load_config


def test_plain_postgresql_urls_use_psycopg_3(tmp_path):
    assert (
        database_url("postgresql://score@db:5432/score", tmp_path)
        == "postgresql+psycopg://score@db:5432/score"
    )
    assert database_url("postgres://u@h/d", tmp_path) == "postgresql+psycopg://u@h/d"
    assert database_url(None, tmp_path) == f"sqlite:///{tmp_path / 'score.sqlite3'}"


def test_processes_starting_together_share_one_development_key(tmp_path):
    with ProcessPoolExecutor(4) as pool:
        keys = set(pool.map(development_secret_key, [tmp_path] * 16))
    assert len(keys) == 1
    [key] = keys
    assert len(key) == 64
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_the_development_key_survives_a_restart(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("APP_ENV", raising=False)
    assert load_config(tmp_path)["SECRET_KEY"] == load_config(tmp_path)["SECRET_KEY"]


def test_base_url_loses_its_trailing_slash(monkeypatch, tmp_path):
    monkeypatch.setenv("BASE_URL", "https://register.example.org/")
    monkeypatch.setenv("SECRET_KEY", "x")
    assert load_config(tmp_path)["BASE_URL"] == "https://register.example.org"
