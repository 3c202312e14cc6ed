"""Collecting events: numbers, the grid, the reporter, and bad input."""

from datetime import timedelta

import pytest

from tests.dispatch.conftest import T0
from tests.factories import make_unit
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.dispatch.intake import report_event
from timebank.dispatch.locate import nearest_grid
from timebank.dispatch.queries import timeline
from timebank.integrations.geo import distance_m
from timebank.units.models import Level


def test_numbers_count_per_shanghai_day_and_are_never_repeated(world):
    numbers = [world.report(now=T0).number for _ in range(3)]
    assert numbers == ["NS20261203000001", "NS20261203000002", "NS20261203000003"]
    # 16:00 UTC is midnight in Shanghai: a new day, a new sequence.
    assert world.report(now=T0 + timedelta(hours=13, minutes=59)).number == "NS20261203000004"
    assert world.report(now=T0 + timedelta(hours=14)).number == "NS20261204000001"
    assert world.report(now=T0).number == "NS20261203000005"


def test_the_nearest_grid_by_geodesic_distance(world):
    c = world.tree.community
    a = make_unit(Level.GRID, c, lat=22.900, lon=113.600)
    b = make_unit(Level.GRID, c, lat=22.910, lon=113.600)
    far = make_unit(Level.GRID, world.tree.far, lat=23.5, lon=114.4)
    assert nearest_grid(22.904, 113.600).id == a.id
    assert nearest_grid(22.906, 113.600).id == b.id
    # Beyond the first box (1.5 km): found by widening the search.
    assert nearest_grid(23.45, 114.35).id == far.id
    assert nearest_grid(-30.0, 10.0) is None
    event = world.report(lat=22.9051, lon=113.6001)
    assert event.unit_id == b.id
    here = (22.9051, 113.6001)
    assert distance_m(here, (b.lat, b.lon)) < distance_m(here, (a.lat, a.lon))


def test_the_named_grid_wins_and_must_be_a_grid(world):
    event = world.report(lat=10.0, lon=10.0, grid_id=world.tree.grid.id)
    assert event.unit_id == world.tree.grid.id and event.lat == 10.0
    for bad in (world.tree.community.id, 10**9, 10**30, -1, "3", True):
        with pytest.raises(ValidationFailed) as refused:
            world.report(grid_id=bad)
        assert refused.value.fields.keys() == {"grid_id"}


def test_without_a_place_a_members_report_goes_to_their_community(world):
    event = world.report(world.people.far_member, grid_id=None)
    assert (event.unit_id, event.community_id) == (world.tree.far.id, world.tree.far.id)
    assert event.town_id == world.tree.other_town.id
    assert event.unit_path == world.tree.far.path


def test_a_resident_reports_without_an_account(world):
    fields = dict(category_code="FC-LAMP", description="路灯坏了", grid_id=world.tree.grid.id)
    with pytest.raises(ValidationFailed) as refused:
        report_event(None, now=T0, **fields, reporter_phone="123")
    assert refused.value.fields.keys() == {"reporter_name", "reporter_phone"}
    with pytest.raises(ValidationFailed) as refused:
        report_event(
            None,
            now=T0,
            **{**fields, "grid_id": None},
            reporter_name="张三",
            reporter_phone="13812345678",
        )
    assert refused.value.fields.keys() == {"lat"}
    with pytest.raises(ValidationFailed) as refused:
        report_event(
            None,
            now=T0,
            **fields,
            source="member",
            reporter_name="张三",
            reporter_phone="13812345678",
        )
    assert refused.value.fields.keys() == {"source"}
    event = report_event(
        None, now=T0, **fields, reporter_name="张三", reporter_phone="+86 138-1234-5678"
    )
    assert (event.source, event.reporter_id, event.reporter_phone) == (
        "resident",
        None,
        "13812345678",
    )
    assert [s.actor_id for s in timeline(event)] == [None]


def test_sources_follow_the_reporters_roles(world):
    assert world.report(world.gridworker).source == "gridworker"
    assert world.report().source == "member"
    with pytest.raises(ValidationFailed):
        world.report(source="hotline")
    event = world.report(
        world.people.coordinator,
        source="hotline",
        reporter_name="来电市民",
        reporter_phone="13912345678",
    )
    assert (event.source, event.reporter_phone) == ("hotline", "13912345678")


def test_pending_members_cannot_report(world):
    with pytest.raises(NotAllowed):
        world.report(world.people.pending)


@pytest.mark.parametrize(
    "fields, bad",
    [
        ({"category_code": "NOPE"}, {"category_code"}),
        ({"category_code": None, "description": None}, {"category_code", "description"}),
        ({"description": "x" * 2001}, {"description"}),
        ({"description": "a\x00b"}, {"description"}),
        ({"description": "lone \ud800 surrogate"}, {"description"}),
        ({"address": "\udfff"}, {"address"}),
        ({"address": 12}, {"address"}),
        ({"priority": "very"}, {"priority"}),
        ({"lat": 91, "lon": 0, "grid_id": None}, {"lat"}),
        ({"lat": 0, "lon": -181, "grid_id": None}, {"lon"}),
        ({"lat": float("nan"), "lon": 1e308, "grid_id": None}, {"lat", "lon"}),
        ({"lat": 22.8, "grid_id": None}, {"lon"}),
    ],
)
def test_bad_input_is_refused_at_every_field_at_once(world, fields, bad):
    with pytest.raises(ValidationFailed) as refused:
        world.report(**fields)
    assert refused.value.fields.keys() == bad
