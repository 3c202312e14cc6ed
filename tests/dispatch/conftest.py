"""A dispatch world on the small tree: departments, categories, a grid worker, a handler."""

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from tests.factories import make_member
from timebank.dispatch.catalogue import appoint_gridworker
from timebank.dispatch.intake import report_event
from timebank.dispatch.models import Department, DepartmentHandler, EventCategory
from timebank.extensions import db

#: A fixed "now" for every test that controls the clock (10:00 in Shanghai).
T0 = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@dataclass
class World:
    tree: object
    people: object
    department: Department
    other_department: Department
    street: EventCategory  # handled by `department`, 30 min / 24 h
    errand: EventCategory  # volunteer_ok, no department
    gridworker: object
    handler: object
    other_handler: object

    def report(self, actor=None, *, now=T0, **fields):
        fields.setdefault("category_code", self.street.code)
        fields.setdefault("description", "路灯不亮")
        if "lat" not in fields and "grid_id" not in fields:
            fields["grid_id"] = self.tree.grid.id
        return report_event(actor or self.people.member, now=now, **fields)


def make_world(tree, people) -> World:
    department = Department(code="CUM", name="城管", name_en="Urban management")
    other = Department(code="PSB", name="公安")
    db.session.add_all([department, other])
    db.session.flush()
    street = EventCategory(
        code="FC-LAMP", name="路灯不亮", class_name="公用设施", department_id=department.id
    )
    errand = EventCategory(code="PS-ERRAND", name="代买代办", volunteer_ok=True)
    db.session.add_all([street, errand])
    gridworker = make_member(tree.community, name="网格员")
    appoint_gridworker(people.coordinator, gridworker, tree.grid, employment="part_time", now=T0)
    handler = make_member(tree.far, name="城管队员")
    other_handler = make_member(tree.far, name="城管队员二")
    for member in (handler, other_handler):
        db.session.add(DepartmentHandler(department_id=department.id, member_id=member.id))
    db.session.flush()
    return World(
        tree, people, department, other, street, errand, gridworker, handler, other_handler
    )


@pytest.fixture
def world(tree, people):
    return make_world(tree, people)
