"""Configuration from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from config import (
    MissingSharedStore,
    database_url,
    development_secret_key,
    load_config,
)

ROOT = Path(__file__).resolve().parent.parent


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


def production(monkeypatch, **env):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x")
    for name in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_production_refuses_per_process_rate_limits(monkeypatch, tmp_path):
    production(monkeypatch)

    with pytest.raises(MissingSharedStore, match="APP_ENV=production needs REDIS_URL"):
        load_config(tmp_path)


def test_production_refuses_a_memory_store_named_explicitly(monkeypatch, tmp_path):
    production(monkeypatch, RATELIMIT_STORAGE_URI="memory://")

    with pytest.raises(MissingSharedStore):
        load_config(tmp_path)


@pytest.mark.parametrize(
    ("env", "store"),
    [
        ({"REDIS_URL": "redis://cache:6379/0"}, "redis://cache:6379/0"),
        (
            {"RATELIMIT_STORAGE_URI": "memcached://cache:11211"},
            "memcached://cache:11211",
        ),
        ({"RATELIMIT_ENABLED": "false"}, "memory://"),
    ],
)
def test_production_starts_with_a_shared_store_or_without_limits(
    monkeypatch, tmp_path, env, store
):
    production(monkeypatch, **env)

    assert load_config(tmp_path)["RATELIMIT_STORAGE_URI"] == store


def test_the_app_will_not_start_in_production_without_a_shared_store(tmp_path):
    """As gunicorn or flask would start it: a clear line naming REDIS_URL."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("REDIS_URL", "RATELIMIT_STORAGE_URI", "RATELIMIT_ENABLED")
    }
    environment.update(
        APP_ENV="production",
        SECRET_KEY="x",
        DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "APP_ENV=production needs REDIS_URL" in result.stderr
