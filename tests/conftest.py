"""Fixtures: one app per session, a rolled-back transaction per test, clients and logins.

The suite runs on SQLite by default and on PostgreSQL when TIMEBANK_TEST_DATABASE_URL is
set. Tests that need committed data seen by other threads or processes use `committed`,
which empties every table afterwards.
"""

import os

import pytest
import sqlalchemy as sa
from flask import session
from flask.globals import _cv_app
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy.orm import scoped_session, sessionmaker

from timebank import create_app
from timebank.blueprints.auth import session as auth_session
from timebank.config import TestConfig
from timebank.extensions import db as _db
from timebank.extensions import limiter

from . import factories


def _database_url(tmp_path_factory) -> str:
    url = os.environ.get("TIMEBANK_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


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
def app(tmp_path_factory):
    app = create_app(
        TestConfig(str(tmp_path_factory.mktemp("instance")), _database_url(tmp_path_factory))
    )
    app.test_client_class = IsolatedClient
    limiter.enabled = False  # set up by TestConfig; the rate_limits fixture switches it on
    with app.app_context():
        _reset_schema(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app):
    """The database inside a transaction that is rolled back after the test.

    Every session of the test (the test's own and each request's) is bound to one
    connection; commits become savepoints.
    """
    with app.app_context():
        connection = _db.engine.connect()
        outer = connection.begin()
        original = _db.session
        from flask_sqlalchemy.session import _app_ctx_id

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
