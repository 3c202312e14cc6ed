"""Reference data: departments, handlers, categories, grid workers."""

import pytest

from tests.dispatch.conftest import T0
from tests.factories import make_member
from timebank.auth.permissions import handler_department_ids, is_handler
from timebank.core.errors import Conflict, NotAllowed, ValidationFailed
from timebank.dispatch.catalogue import (
    add_handler,
    appoint_gridworker,
    create_category,
    create_department,
)
from timebank.dispatch.models import GridWorker
from timebank.extensions import db


def test_grid_workers_are_appointed_on_grids_or_communities_in_scope(world):
    p, tree = world.people, world.tree
    member = make_member(tree.community)
    with pytest.raises(NotAllowed):
        appoint_gridworker(p.far_coordinator, member, tree.grid, now=T0)
    with pytest.raises(NotAllowed):
        appoint_gridworker(p.staff, member, tree.grid, now=T0)
    with pytest.raises(ValidationFailed) as refused:
        appoint_gridworker(p.organiser, p.pending, tree.town, employment="sometimes", now=T0)
    assert refused.value.fields.keys() == {"unit_id", "member_id", "employment"}
    ra = appoint_gridworker(p.coordinator, member, tree.community, now=T0)
    assert (ra.role, ra.unit_id) == ("gridworker", tree.community.id)
    assert db.session.get(GridWorker, member.id).employment == "full_time"
    with pytest.raises(Conflict) as conflict:
        appoint_gridworker(p.coordinator, member, tree.community, now=T0)
    assert conflict.value.code == "role_exists"
    appoint_gridworker(p.coordinator, member, tree.grid, employment="part_time", now=T0)
    assert db.session.get(GridWorker, member.id).employment == "part_time"


def test_departments_and_categories(world):
    p = world.people
    with pytest.raises(NotAllowed):
        create_department(p.organiser, code="X", name="x")
    with pytest.raises(ValidationFailed) as refused:
        create_department(p.admin, code="", name="x" * 121, name_en="\x00")
    assert refused.value.fields.keys() == {"code", "name", "name_en"}
    with pytest.raises(Conflict):
        create_department(p.admin, code="CUM", name="again")
    with pytest.raises(ValidationFailed) as refused:
        create_category(
            p.admin,
            code="A",
            name="a",
            accept_within_min=0,
            handle_within_h=8761,
            department_code="Z",
        )
    assert refused.value.fields.keys() == {
        "accept_within_min",
        "handle_within_h",
        "department_code",
    }
    category = create_category(p.admin, code="A", name="a", volunteer_ok=True)
    assert (category.accept_within_min, category.handle_within_h) == (30, 24)


def test_handlers_by_admins_and_district_organisers(world):
    p = world.people
    district_organiser = make_member(
        world.tree.community, roles=[("organiser", world.tree.district)]
    )
    with pytest.raises(NotAllowed):
        add_handler(p.organiser, world.other_department, member_id=p.neighbour.id)
    add_handler(district_organiser, world.other_department, member_id=p.neighbour.id)
    assert is_handler(p.neighbour, world.other_department.id)
    assert handler_department_ids(world.handler) == [world.department.id]
    with pytest.raises(ValidationFailed):
        add_handler(p.admin, world.other_department, member_id=p.pending.id)
    with pytest.raises(Conflict):
        add_handler(p.admin, world.other_department, member_id=p.neighbour.id)
