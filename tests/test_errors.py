from sqlalchemy.exc import OperationalError


def test_healthz_is_503_when_database_is_down(client, monkeypatch):
    from timebank.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] is False


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
