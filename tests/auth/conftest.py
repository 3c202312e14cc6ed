"""The tests of signing in sign in through the real login form (elsewhere: conftest.sign_in)."""

import pytest

from tests import factories


@pytest.fixture
def login(client):
    """login(member) signs the test client in by posting the login form."""

    def _login(member, password=factories.PASSWORD):
        client.post("/logout")
        response = client.post("/login", data={"phone": member.phone, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login
