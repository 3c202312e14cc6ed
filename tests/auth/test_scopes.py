"""The permission helper's one question, `may(actor, role, target)`, for every scope kind."""

from dataclasses import dataclass

import pytest

from tests.factories import make_member
from timebank.auth.models import Role
from timebank.auth.permissions import (
    _SCOPES,
    Scope,
    ensure,
    has_role,
    in_scope,
    may,
    register_scope,
    scope_of,
)
from timebank.core.errors import NotAllowed
from timebank.dispatch.models import Department, DepartmentHandler
from timebank.units.models import Unit


def test_units_nest_and_the_gridworker_stays_outside_the_chain(tree, people, db):
    assert may(people.coordinator, Role.STAFF, tree.community)
    assert not may(people.coordinator, Role.COORDINATOR, tree.town)
    assert may(people.organiser, Role.COORDINATOR, tree.community)
    worker = make_member(tree.community, roles=[(Role.GRIDWORKER, tree.community)])
    assert may(worker, Role.GRIDWORKER, tree.community)
    assert not may(worker, Role.STAFF, tree.community)
    assert not may(people.admin, Role.GRIDWORKER, tree.community)
    # the unit-only signatures answer the same
    assert has_role(people.coordinator, Role.STAFF, tree.community)
    assert has_role(people.coordinator, Role.COORDINATOR) and not has_role(
        people.member, Role.STAFF
    )
    scoped = db.session.query(Unit).filter(in_scope(Unit.path, people.coordinator, Role.STAFF))
    assert {u.id for u in scoped} >= {tree.community.id} and tree.town.id not in {
        u.id for u in scoped
    }


def test_departments_are_a_scope_of_their_handlers(tree, people, db):
    department, other = Department(code="CUM", name="城管"), Department(code="PSB", name="公安")
    db.session.add_all([department, other])
    db.session.flush()
    db.session.add(DepartmentHandler(department_id=department.id, member_id=people.member.id))
    db.session.flush()
    assert may(people.member, None, department)
    assert not may(people.member, None, other)
    assert not may(people.admin, None, department)  # unit roles reach no department
    with pytest.raises(NotAllowed):
        ensure(people.neighbour, None, department)


@dataclass
class _Branch:
    """A target in a tree nobody has registered yet (as party organisations will be)."""

    path: str


def test_a_new_kind_of_scope_is_one_registration(people):
    with pytest.raises(TypeError):
        scope_of(_Branch("/1/"))
    secretaries = {people.member.id: ["/1/"]}
    register_scope(
        _Branch,
        Scope("branch", lambda actor, needed: secretaries.get(actor.id, []), lambda b: b.path),
    )
    try:
        assert may(people.member, None, _Branch("/1/2/"))
        assert not may(people.member, None, _Branch("/3/"))
        assert not may(people.neighbour, None, _Branch("/1/2/"))
    finally:
        del _SCOPES[_Branch]
