"""The application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder="static",
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(load_config(Path(app.instance_path)))
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        # Wait for the writer lock instead of failing at once (seats are
        # allocated under it).
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            **app.config["SQLALCHEMY_ENGINE_OPTIONS"],
            "connect_args": {"timeout": 30},
        }

    from app import (
        engine,
        models,  # noqa: F401  (the metadata must be complete)
    )
    from app.extensions import cache, csrf, db, limiter, login_manager, migrate

    if app.config["TRUSTED_PROXIES"]:
        # Honour X-Forwarded-* only from the number of proxies we run.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )
    db.init_app(app)
    engine.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    cache.init_app(app)

    from app import (
        auth,
        charts,
        cli,
        errors,
        filters,
        i18n,
        log_redaction,
        metrics,
        request_log,
        requests,
        security,
    )
    from app.admin import admin
    from app.health import health
    from app.public.documents import documents
    from app.public.personal_data import personal_data
    from app.public.routes import public

    requests.init_app(app)  # before the blueprints: their rules use the converter
    auth.init_app(app)
    errors.init_app(app)
    filters.init_app(app)
    i18n.init_app(app)
    charts.init_app(app)
    cli.init_app(app)
    security.init_app(app)
    log_redaction.init_app(app)
    request_log.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(public)
    app.register_blueprint(personal_data)
    app.register_blueprint(documents)
    app.register_blueprint(admin)
    app.register_blueprint(health)
    return app
