"""/healthz for load balancers, and a plain page when the database is gone."""

from __future__ import annotations

import pytest

from app import create_app
from app.extensions import db

# Nothing listens on port 1, so every connection is refused at once.
UNREACHABLE_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/none"


@pytest.fixture
def app_without_database():
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": UNREACHABLE_DATABASE,
            "SECRET_KEY": "x",
            "TESTING": True,
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_healthz_answers_ok_when_the_database_answers(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.is_json
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_sets_no_session_cookie(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_healthz_is_unavailable_when_the_database_is_unreachable(
    app_without_database,
):
    response = app_without_database.test_client().get("/healthz")

    assert response.status_code == 503
    assert response.is_json
    body = response.get_json()
    assert body["status"] != "ok"
    assert body["database"] == "unreachable"


@pytest.mark.parametrize("url", ["/", "/events/score-bogor-2011/"])
def test_pages_show_a_plain_message_when_the_database_is_unreachable(
    app_without_database, url
):
    response = app_without_database.test_client().get(url)

    assert response.status_code == 503
    assert response.content_type == "text/html; charset=utf-8"
    body = response.get_data(as_text=True)
    assert "Service unavailable" in body
    assert "cannot reach its database" in body
    assert "Traceback" not in body
    assert "psycopg" not in body
    assert "127.0.0.1:1" not in body
