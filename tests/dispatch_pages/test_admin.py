"""Admin pages: departments and handlers, categories, the grid workers' CSV import."""

import io

import sqlalchemy as sa

from tests.factories import make_member, make_unit
from timebank.auth.models import Role, RoleAssignment
from timebank.dispatch.models import Department, DepartmentHandler, EventCategory
from timebank.extensions import db
from timebank.units.models import Level


def test_an_admin_adds_a_department_and_a_handler(login, world):
    client = login(world.people.admin)
    page = client.get("/dispatch-admin/departments").get_data(as_text=True)
    assert "城管" in page and world.handler.name in page
    data = {"dep-code": "EPB", "dep-name": "环保", "dep-name_en": ""}
    assert client.post("/dispatch-admin/departments", data=data).status_code == 302
    department = db.session.scalar(sa.select(Department).where(Department.code == "EPB"))
    assert department.name == "环保" and department.name_en is None
    taken = client.post("/dispatch-admin/departments", data=data)
    assert taken.status_code == 200 and "is-invalid" in taken.get_data(as_text=True)
    member = world.people.neighbour
    answer = client.post("/dispatch-admin/departments/EPB/handlers", data={"h-phone": member.phone})
    assert answer.status_code == 302
    assert db.session.scalar(
        sa.select(DepartmentHandler).where(DepartmentHandler.member_id == member.id)
    )
    unknown = client.post("/dispatch-admin/departments/EPB/handlers", data={"h-phone": "1"})
    assert unknown.status_code == 422


def test_a_town_organiser_may_not_add_departments(login, world):
    client = login(world.people.organiser)
    data = {"dep-code": "EPB", "dep-name": "环保"}
    assert client.post("/dispatch-admin/departments", data=data).status_code == 403
    assert login(world.people.member).get("/dispatch-admin/departments").status_code == 403


def test_an_admin_adds_a_category_and_every_bad_field_shows(login, world):
    client = login(world.people.admin)
    data = {
        "code": "SR-DUMP",
        "name": "乱倒垃圾",
        "department_code": "CUM",
        "accept_within_min": "20",
        "handle_within_h": "12",
        "volunteer_ok": "y",
    }
    assert client.post("/dispatch-admin/categories", data=data).status_code == 302
    category = db.session.scalar(sa.select(EventCategory).where(EventCategory.code == "SR-DUMP"))
    assert (category.accept_within_min, category.volunteer_ok) == (20, True)
    bad = {"code": "", "name": "", "department_code": "NOPE", "handle_within_h": "0"}
    page = client.post("/dispatch-admin/categories", data=bad).get_data(as_text=True)
    assert page.count("invalid-feedback") >= 3


def _csv(text):
    return {"file": (io.BytesIO(text.encode()), "workers.csv")}


def _gridworkers():
    return db.session.scalars(
        sa.select(RoleAssignment.member_id).where(RoleAssignment.role == Role.GRIDWORKER)
    ).all()


def test_the_import_appoints_every_row(login, world, tree):
    a, b = make_member(tree.community), make_member(tree.community)
    text = f"phone,unit_code,employment\n{a.phone},{tree.grid.code},part_time\n"
    text += f"{b.phone},{tree.community.code},\n"
    client = login(world.people.coordinator)
    answer = client.post("/dispatch-admin/gridworkers/import", data=_csv(text))
    assert answer.status_code == 302
    assert {a.id, b.id} <= set(_gridworkers())


def test_one_bad_row_imports_nothing_and_every_bad_row_is_listed(login, world, tree):
    a, b = make_member(tree.community), make_member(tree.community)
    town_grid = make_unit(Level.GRID, tree.far, code="T-DG-C1-G1", name="远网格")
    before = set(_gridworkers())
    text = "\n".join(
        [
            "phone,unit_code,employment",
            f"{a.phone},{tree.grid.code},part_time",  # good
            "12,T-HG-C1-G1,",  # line 3: bad phone
            f"{b.phone},NOPE,",  # line 4: no such unit
            f"{b.phone},{tree.grid.code},sometimes",  # line 5: bad employment
            f"{b.phone},{town_grid.code},",  # line 6: out of the coordinator's scope
            f"{a.phone},{tree.grid.code},",  # line 7: repeats line 2
            f"{b.phone},{tree.town.code},",  # line 8: a town
        ]
    )
    answer = login(world.people.coordinator).post(
        "/dispatch-admin/gridworkers/import", data=_csv(text)
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422 and 'data-test="import-errors"' in page
    for line in (3, 4, 5, 6, 7, 8):
        assert f"line {line}:" in page, line
    assert "line 2:" not in page
    assert set(_gridworkers()) == before


def test_the_import_needs_its_columns(login, world):
    answer = login(world.people.coordinator).post(
        "/dispatch-admin/gridworkers/import", data=_csv("name\nx\n")
    )
    assert answer.status_code == 422 and "phone" in answer.get_data(as_text=True)
