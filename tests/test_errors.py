from sqlalchemy.exc import OperationalError

from tests.factories import make_shift


def test_healthz_is_503_when_database_is_down(client, monkeypatch):
    from timebank.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable"}  # says only that


def _boom(*args, **kwargs):
    raise ZeroDivisionError("a bug")


def test_unexpected_error_is_a_friendly_500_page(app, client, people, api, monkeypatch):
    monkeypatch.setitem(app.view_functions, "main.index", _boom)
    monkeypatch.setitem(app.view_functions, "api_units.list_units", _boom)
    response = client.get("/")
    assert response.status_code == 500
    assert "text/html" in response.content_type and "500" in response.get_data(as_text=True)
    response = api(people.member).get("/units")
    assert response.status_code == 500
    assert response.json["error"]["code"] == "internal_error"


def test_403_page_is_html(people, login):
    response = login(people.member).get("/admin/roles")
    assert response.status_code == 403
    assert "403" in response.get_data(as_text=True)


def test_405_in_api_uses_error_shape(client, db):
    response = client.put("/api/v1/units")
    assert response.status_code == 405
    assert response.json["error"]["code"] == "method_not_allowed"


def test_database_lost_mid_request_is_503_not_500(app, people, api, monkeypatch):
    """The request fails on the database and nothing after it (the access log, closing the
    session) touches the database again: a clean 503, never a 500."""
    import sqlalchemy as sa

    from timebank.blueprints.api import shifts as api_shifts
    from timebank.extensions import db

    gone = {"on": False}

    def refuse(conn, cursor, statement, *args):
        if gone["on"]:
            raise sa.exc.OperationalError(statement, {}, Exception("server closed"))

    def broken_get_shift(shift_id):
        gone["on"] = True
        raise sa.exc.OperationalError("SELECT", {}, Exception("server closed"))

    client = api(people.member)
    monkeypatch.setattr(api_shifts.queries, "get_shift", broken_get_shift)
    engine = db.session.get_bind().engine if hasattr(db.session.get_bind(), "engine") else None
    target = engine or db.engine
    sa.event.listen(target, "before_cursor_execute", refuse)
    try:
        response = client.get("/shifts/1")
    finally:
        gone["on"] = False
        sa.event.remove(target, "before_cursor_execute", refuse)
    assert response.status_code == 503
    assert response.json["error"]["code"] == "unavailable"


def test_closing_a_session_on_a_dead_connection_is_not_a_500(people, api, monkeypatch):
    """PostgreSQL restarted after the answer was made but before the request's session was
    closed: closing it fails (its ROLLBACK raises). Found by the restart drill: with
    Flask-SQLAlchemy's own teardown running first, the error escaped as a 500. Teardowns
    run in reverse order of registration; ours must come first and forget the session."""
    import sqlalchemy as sa

    from timebank.extensions import db

    shift = make_shift(people.member.community)
    real_remove = db.session.remove
    calls = []

    def remove_on_a_dead_connection():
        calls.append(1)
        if len(calls) == 1:  # the first close meets the dead connection
            raise sa.exc.OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        real_remove()

    client = api(people.member)
    monkeypatch.setattr(db.session, "remove", remove_on_a_dead_connection)
    response = client.get(f"/shifts/{shift.id}")
    monkeypatch.undo()
    assert response.status_code == 200
    assert response.json["id"] == shift.id
    assert len(calls) >= 2  # ours failed and forgot the session; the next close was clean
