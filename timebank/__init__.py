"""Nansha Party Member Time Bank."""

import logging
import os
import secrets
from pathlib import Path

from flask import Flask, request

from .config import Config
from .http.proxy import init_proxy_fix


def create_app(config: object | None = None, *, migrations: bool = True) -> Flask:
    """Build the app: settings, extensions, blueprints, CLI and error handlers.

    Never migrates the database or starts the scheduler: `make run`, `wsgi.py` and the
    `scheduler` command do that. `migrations=False` (wsgi.py) leaves out Flask-Migrate and
    Alembic (~15 MiB a web worker), so the `flask db` commands are not there.
    """
    app = Flask(__name__, instance_relative_config=True)
    _bound_int_urls(app)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_object(config or Config(app.instance_path))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    logging.basicConfig(
        level=os.environ.get("LOG_LEVEL", "INFO"),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    app.json.ensure_ascii = False  # Chinese stays readable in JSON answers
    _init_extensions(app)
    if migrations:
        _init_migrations(app)
    _register_blueprints(app)
    _register_cli(app)
    _connect_receivers()

    from .blueprints.errors import register_error_handlers

    register_error_handlers(app)
    return app


def _bound_int_urls(app: Flask) -> None:
    """`<int:…>` in URLs matches database-sized integers only: a larger id is a 404, not a
    database overflow."""
    from werkzeug.routing import IntegerConverter

    class BoundedInt(IntegerConverter):
        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", 2**31 - 1)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt


def _instance_secret(instance_path: str) -> str:
    """A random key kept in instance/secret_key, for the one-machine default."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def _init_extensions(app: Flask) -> None:
    from sqlalchemy.exc import DBAPIError

    from . import models  # noqa: F401  (every model registered before mappers configure)
    from .blueprints.auth.session import init_login
    from .core.db import configure_sqlite, write_intent
    from .core.i18n import init_i18n
    from .extensions import api, csrf, db, limiter
    from .http.headers import init_headers
    from .http.observability import init_observability

    @app.before_request
    def _declare_write_intent():
        # SQLite takes its write lock at BEGIN only for requests that may write.
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _reset_write_intent(exc=None):
        write_intent.set(True)

    init_proxy_fix(app)
    init_observability(app)
    init_headers(app)

    db.init_app(app)

    @app.teardown_appcontext
    def _remove_session_safely(exc=None):
        # Flask runs teardown functions in reverse order of registration, so this one,
        # registered after db.init_app(), runs before Flask-SQLAlchemy's own: when the
        # database went away with a transaction open, closing the session raises (the
        # ROLLBACK fails); forget the session instead of failing the request with a 500.
        # Flask-SQLAlchemy's teardown then finds nothing left to close.
        try:
            db.session.remove()
        except DBAPIError:
            logging.getLogger(__name__).warning("database gone while closing a session")
            db.session.registry.clear()

    with app.app_context():
        configure_sqlite(db.engine)
    csrf.init_app(app)
    limiter.init_app(app)
    init_i18n(app)
    init_login(app)
    api.init_app(
        app,
        spec_kwargs={
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}}
        },
    )


def _init_migrations(app: Flask) -> None:
    """Flask-Migrate, for the `flask db` commands (imported here: web workers never migrate)."""
    from flask_migrate import Migrate

    from .extensions import db

    Migrate(app, db, render_as_batch=True, compare_type=True)


def _register_blueprints(app: Flask) -> None:
    from .blueprints.admin import bp as admin_bp
    from .blueprints.api import register_api
    from .blueprints.auth import bp as auth_bp
    from .blueprints.certificates import bp as certificates_bp
    from .blueprints.checkin import bp as checkin_bp
    from .blueprints.command import bp as command_bp
    from .blueprints.dispatch import bp as dispatch_bp
    from .blueprints.exchange import bp as exchange_bp
    from .blueprints.ledger import bp as ledger_bp
    from .blueprints.main import bp as main_bp
    from .blueprints.members import bp as members_bp
    from .blueprints.mobilisation import bp as mobilisation_bp
    from .blueprints.notifications import bp as notifications_bp
    from .blueprints.party import bp as party_bp
    from .blueprints.rankings import bp as rankings_bp
    from .blueprints.shifts import bp as shifts_bp
    from .blueprints.sms import bp as sms_bp
    from .blueprints.units import bp as units_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(shifts_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(units_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(mobilisation_bp)
    app.register_blueprint(ledger_bp)
    app.register_blueprint(rankings_bp)
    app.register_blueprint(dispatch_bp)
    app.register_blueprint(command_bp)
    app.register_blueprint(party_bp, url_prefix="/party")
    app.register_blueprint(certificates_bp)
    app.register_blueprint(sms_bp)
    app.register_blueprint(exchange_bp)
    register_api(app)


def _connect_receivers() -> None:
    """Subscribe every domain's receivers to the signals they hear: the one list of who
    reacts to whom (once per process is enough; blinker keeps one connection per receiver).

    - rankings hears the ledger (`entries_appended`: its totals move with every entry);
    - notifications hears auth, members, shifts, ledger, mobilisation, dispatch and party.
    """
    from .notifications import dispatch_receivers, party_receivers
    from .notifications import receivers as notification_receivers
    from .rankings import receivers as ranking_receivers

    connections = (
        ranking_receivers.CONNECTIONS
        + notification_receivers.CONNECTIONS
        + dispatch_receivers.CONNECTIONS
        + party_receivers.CONNECTIONS
    )
    for signal, receiver in connections:
        signal.connect(receiver, weak=False)


def _register_cli(app: Flask) -> None:
    from .cli import register_cli

    register_cli(app)
