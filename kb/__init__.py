"""Kunskapsbanken: good-practice examples on children's rights and human rights."""
from __future__ import annotations

import os
from typing import Any

from flask import Flask

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application: config → extensions → search → blueprints → cli → errors."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("KB_INSTANCE_PATH") or os.path.join(ROOT, "instance"),
        template_folder=os.path.join(ROOT, "templates"),
        static_folder=os.path.join(ROOT, "kb", "static"),
    )
    from kb.config import load_config

    load_config(app, test_config)
    from kb import logging_setup

    logging_setup.init_app(app)

    from kb import auth, search, security
    from kb.extensions import csrf, db, limiter, migrate

    security.init_app(app)  # first: its after_request hook then runs after the others'
    from kb import routing

    routing.init_app(app)  # bounded <int:…> before any rule is added
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(ROOT, "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)
    auth.init_app(app)
    search.init_app(app)

    from kb.api import bp as api_bp
    from kb.editor import auth_bp
    from kb.editor import bp as editor_bp
    from kb.public import bp as public_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(editor_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(api_bp)
    from kb import caching, sharing

    caching.init_app(app)  # ETag/304 and Cache-Control from the content version
    sharing.init_app(app)  # feeds, versions, previews, sitemap, open-data pages
    from kb import health

    health.init_app(app)

    from kb import cli, errors, templating

    templating.init_app(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
