"""A top-up's candidates from the nearest rows only are the candidates from every row."""

import random

import pytest

from tests.factories import make_member
from timebank.auth.models import Role
from timebank.mobilisation import candidates
from timebank.mobilisation import services as callouts

PLACE = (22.862, 113.525)


@pytest.fixture
def spread(tree):
    rng = random.Random(7)
    members = []
    for i in range(300):
        home = (PLACE[0] + rng.uniform(-0.03, 0.03), PLACE[1] + rng.uniform(-0.03, 0.03))
        skills = ["medical"] if i % 3 == 0 else []
        members.append(make_member(tree.community, name=f"员{i}", home=home, skills=skills))
    return members


@pytest.mark.parametrize("skills", [[], ["medical"]])
def test_the_nearest_rows_give_what_every_row_gives(tree, spread, db, monkeypatch, skills):
    organiser = make_member(tree.community, roles=[(Role.ORGANISER, tree.town)])
    callout = callouts.raise_callout(
        organiser,
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="最近",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=3,
        needed=2,
        team_size=1,
        respond_within_s=600,
        skills=skills,
    )
    for limit in (1, 2, 5, 40):
        near = candidates.find_candidates(callout, limit)
        monkeypatch.setattr(candidates, "NEAREST_FACTOR", 10**6)  # every row, as before
        every = candidates.find_candidates(callout, limit)
        monkeypatch.undo()
        assert near == every and len(near) == limit
