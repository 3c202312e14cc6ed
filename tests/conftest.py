"""Fixtures: one app per session, a rolled-back transaction per test, clients and logins.

The suite runs on SQLite by default and on PostgreSQL when TIMEBANK_TEST_DATABASE_URL is
set. Tests that need committed data seen by other threads or processes use `committed`,
which empties every table afterwards.
"""

import os
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import session
from flask.globals import _cv_app
from flask.testing import FlaskClient, FlaskCliRunner
from flask_sqlalchemy.session import _app_ctx_id
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from timebank import create_app
from timebank.blueprints.auth import session as auth_session
from timebank.config import TestConfig
from timebank.extensions import db as _db
from timebank.extensions import limiter

from . import factories


def worker_database_url(url: str, suffix: str = "") -> str:
    """The PostgreSQL URL `url` with the xdist worker's own database: `<name>_gw0`, ...

    Without xdist (or on its controller) the name stays as given; `suffix` names a scratch
    database beside it (`<name>_gw0_migrations`). `.ci/run` drops every `<name>%` left over.
    """
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    base = make_url(url)
    name = base.database + (f"_{worker}" if worker else "") + suffix
    return base.set(database=name).render_as_string(hide_password=False)


@contextmanager
def fresh_database(url: str):
    """Create the PostgreSQL database of `url` empty (dropped first if left over), yield,
    then drop it."""
    base = make_url(url)
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = f'DROP DATABASE IF EXISTS "{base.database}" WITH (FORCE)'
    with admin.connect() as conn:
        conn.exec_driver_sql(drop)
        conn.exec_driver_sql(f'CREATE DATABASE "{base.database}"')
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(drop)
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    """The test database: SQLite in a temporary folder, or TIMEBANK_TEST_DATABASE_URL's
    PostgreSQL server with a database of this worker's own (see `worker_database_url`)."""
    url = os.environ.get("TIMEBANK_TEST_DATABASE_URL")
    if not url:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
    elif not os.environ.get("PYTEST_XDIST_WORKER"):
        yield url  # one process: the database as given, as before
    else:
        with fresh_database(worker_database_url(url)) as own:
            yield own


def _reset_schema(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    else:
        _db.drop_all()
    _db.create_all()


class IsolatedClient(FlaskClient):
    """A test client whose every request gets its own app context, as in production.

    The test's own context stays out of the request: the request has its own database
    session (on the test's connection) and its own `g`. The test's pending changes are
    flushed before, and its objects expired after, so both sides see the same rows.
    """

    def open(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            _db.session.flush()
        token = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(token)
            if _cv_app.get(None) is not None:
                _db.session.expire_all()


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    app = create_app(TestConfig(str(tmp_path_factory.mktemp("instance")), database_url))
    app.test_client_class = IsolatedClient
    limiter.enabled = False  # set up by TestConfig; the rate_limits fixture switches it on
    with app.app_context():
        _reset_schema(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()


@contextmanager
def sessions_on(connection):
    """Bind every session (the test's own and each request's) to `connection` while inside:
    each starts a savepoint, so a commit releases it and the connection's transaction
    decides what stays."""
    original = _db.session
    _db.session = scoped_session(
        sessionmaker(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ),
        scopefunc=_app_ctx_id,
    )
    try:
        yield _db
    finally:
        _db.session.remove()
        _db.session = original


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test.

    Every session of the test (the test's own and each request's) is bound to one
    connection; commits become savepoints.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        try:
            with sessions_on(connection) as bound:
                yield bound
        finally:
            outer.rollback()
            connection.close()


@pytest.fixture
def committed(app):
    """Real commits (for threads and live servers); every table is emptied afterwards."""
    with app.app_context():
        yield _db
        _db.session.remove()
        _truncate_all()


def _truncate_all() -> None:
    """Empty every table, the append-only ledger included (its triggers are side-stepped:
    replica role on PostgreSQL, dropped and re-made on SQLite)."""
    from timebank.ledger.chain import GENESIS
    from timebank.ledger.models import append_only_ddl

    engine = _db.engine
    tables = [t.name for t in reversed(_db.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            conn.exec_driver_sql(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_entries_no_update")
            conn.exec_driver_sql("DROP TRIGGER IF EXISTS ledger_entries_no_delete")
            for name in tables:
                conn.execute(sa.text(f'DELETE FROM "{name}"'))  # noqa: S608 - table names
            for statement in append_only_ddl("sqlite"):
                conn.exec_driver_sql(statement)
        conn.exec_driver_sql(
            f"INSERT INTO ledger_head (id, last_id, last_hash) VALUES (1, 0, '{GENESIS}')"
        )


@pytest.fixture
def client(app, db):
    return app.test_client()


class CommittingRunner(FlaskCliRunner):
    """Commands share the test's session and roll back on failure: commit (a savepoint in
    the `db` fixture) what the test set up first, so a failing command undoes only its own
    work."""

    def invoke(self, *args, **kwargs):
        if _cv_app.get(None) is not None:
            _db.session.commit()
        return super().invoke(*args, **kwargs)


@pytest.fixture
def runner(app):
    return CommittingRunner(app)


@pytest.fixture
def tree(db):
    """A small organisation tree: see factories.make_tree."""
    return factories.make_tree()


@pytest.fixture
def people(tree):
    """One member per role on the tree: see factories.make_people."""
    return factories.make_people(tree)


def sign_in(app, client, member) -> None:
    """Sign `client` in as `member` as the login view does once the password is right.

    The one place the tests make a session without the login form (tests/auth post the
    form): the view's steps after `authenticate` (a fresh session keeping only the
    language, a server-side session record, then `login_user`: blueprints.auth.session's
    `sign_in`) run in a request context of their own, shaped like the client's requests,
    and what they wrote is stored as the client's session; tests/auth/test_views.py
    compares it with the form.
    """
    token = _cv_app.set(None)  # the test's own context (and its `g`) stays out of it
    try:
        with client.session_transaction() as stored:
            with app.test_request_context(environ_base=client.environ_base):
                if stored.get("lang"):
                    session["lang"] = stored["lang"]
                auth_session.sign_in(member)  # the server-side session record, then login_user
                assert session.get("_user_id"), f"{member} may not sign in"
                made = dict(session)
            stored.clear()
            stored.update(made)
    finally:
        _cv_app.reset(token)


@pytest.fixture
def login(app, client):
    """login(member) signs the test client in as `member` (see `sign_in`); returns it."""

    def _login(member):
        _db.session.flush()
        sign_in(app, client, member)
        return client

    return _login


@pytest.fixture
def api(client):
    """api(member) returns a helper that calls the JSON API with the member's token."""
    return factories.ApiClient.factory(client)


@pytest.fixture
def rate_limits(app):
    """Rate limits on, with empty counters, for one test."""
    limiter.reset()
    limiter.enabled = True
    yield limiter
    limiter.enabled = False
    limiter.reset()
