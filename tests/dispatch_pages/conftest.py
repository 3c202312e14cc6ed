"""The dispatch world of tests/dispatch, for the pages."""

import pytest

from tests.dispatch.conftest import make_world


@pytest.fixture
def world(tree, people):
    return make_world(tree, people)
