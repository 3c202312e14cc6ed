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
