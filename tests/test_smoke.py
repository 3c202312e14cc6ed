def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_login_and_home(people, login):
    client = login(people.member)
    response = client.get("/")
    assert response.status_code == 200
    assert people.member.name in response.get_data(as_text=True)
