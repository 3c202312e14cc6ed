"""The dispatch API (SPEC 6): paths, rights, bodies, answers and codes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

CONTRACT = Path("/work/shared/tools/contract_check.py")


def post(client, path, body=None):
    return client.post(path, json=body if body is not None else {})


def raw(client, path, text):
    return client.post(path, data=text, headers={"Content-Type": "application/json"})


@pytest.fixture
def report(api, world):
    def _report(member=None, **body):
        body = {
            "category_code": "FC-LAMP",
            "description": "路灯不亮",
            "grid_id": world.tree.grid.id,
            **body,
        }
        response = post(api(member or world.people.member), "/events", body)
        assert response.status_code == 201, response.json
        return response.json

    return _report


def test_the_loop_through_the_api(api, world, report):
    p = world.people
    created = report()
    assert created["status"] == "reported" and created["number"].startswith("NS")
    assert created["grid_id"] == world.tree.grid.id
    eid = created["id"]
    coordinator, worker, reporter = api(p.coordinator), api(world.gridworker), api(p.member)
    r = post(coordinator, f"/events/{eid}/register", {"priority": "urgent"})
    assert (r.status_code, r.json["status"], r.json["priority"]) == (200, "registered", "urgent")
    r = post(coordinator, f"/events/{eid}/dispatch", {"assignee_id": world.gridworker.id})
    assert r.status_code == 200 and r.json["status"] == "dispatched"
    assert r.json["assignee"] == {"kind": "gridworker", "id": world.gridworker.id}
    assert r.json["accept_due_at"] and r.json["handle_due_at"]
    assert post(worker, f"/events/{eid}/accept").json["status"] == "accepted"
    r = post(worker, f"/events/{eid}/handle", {"result": "已修复"})
    assert r.json["status"] == "handled"
    r = post(reporter, f"/events/{eid}/feedback", {"rating": 5, "comment": "很快"})
    assert (r.status_code, r.json["status"], r.json["rating"]) == (200, "closed", 5)
    r = post(reporter, f"/events/{eid}/feedback", {"rating": 5})
    assert (r.status_code, r.json["error"]["code"]) == (409, "feedback_given")
    detail = coordinator.get(f"/events/{eid}").json
    assert [s["action"] for s in detail["timeline"]] == [
        "reported",
        "registered",
        "dispatched",
        "accepted",
        "handled",
        "rated",
    ]
    assert detail["reporter"] == {
        "member_id": p.member.id,
        "name": p.member.name,
        "phone": p.member.phone,
    }
    masked = worker.get(f"/events/{eid}").json["reporter"]["phone"]
    assert masked == p.member.phone[:3] + "****" + p.member.phone[-4:]


def test_wrong_steps_and_scopes(api, world, report):
    eid = report()["id"]
    r = post(api(world.gridworker), f"/events/{eid}/accept")
    assert r.status_code == 403
    r = post(api(world.people.far_coordinator), f"/events/{eid}/register")
    assert r.status_code == 404
    assert api(world.people.far_coordinator).get(f"/events/{eid}").status_code == 404
    r = post(api(world.people.coordinator), f"/events/{eid}/close", {"note": "看过"})
    assert (r.status_code, r.json["error"]["code"]) == (409, "invalid_transition")
    assert "reported" in r.json["error"]["message"].lower() or "上报" in r.json["error"]["message"]
    r = post(api(world.people.coordinator), f"/events/{eid}/reject", {})
    assert (r.status_code, list(r.json["error"]["fields"])) == (422, ["reason"])
    assert post(api(world.people.coordinator), "/events/999999/register").status_code == 404
    assert api().get("/events").status_code == 401


def test_dispatch_to_someone_not_allowed(api, world, report):
    eid = report()["id"]
    coordinator = api(world.people.coordinator)
    post(coordinator, f"/events/{eid}/register")
    r = post(coordinator, f"/events/{eid}/dispatch", {"assignee_id": world.people.far_member.id})
    assert (r.status_code, r.json["error"]["code"]) == (422, "assignee_not_allowed")
    assert list(r.json["error"]["fields"]) == ["assignee_id"]
    r = post(coordinator, f"/events/{eid}/dispatch", {"department_code": "NOPE"})
    assert list(r.json["error"]["fields"]) == ["department_code"]


def test_reference_data(api, world):
    admin, organiser = api(world.people.admin), api(world.people.organiser)
    r = post(admin, "/departments", {"code": "EDU", "name": "教育局"})
    assert (r.status_code, r.json["code"]) == (201, "EDU")
    assert (
        post(admin, "/departments", {"code": "EDU", "name": "x"}).json["error"]["code"]
        == "code_taken"
    )
    assert post(organiser, "/departments", {"code": "X", "name": "x"}).status_code == 403
    r = post(admin, "/departments/EDU/handlers", {"member_id": world.people.neighbour.id})
    assert (r.status_code, r.json["department_code"]) == (201, "EDU")
    r = post(admin, "/departments/EDU/handlers", {"member_id": world.people.neighbour.id})
    assert r.status_code == 409
    assert post(admin, "/departments/NOPE/handlers", {"member_id": 1}).status_code == 404
    # Only an organiser of the district (not of a town) adds handlers.
    assert post(organiser, "/departments/EDU/handlers", {"member_id": 1}).status_code == 403
    body = {"code": "ED-1", "name": "校园周边", "department_code": "EDU", "volunteer_ok": True}
    r = post(admin, "/event-categories", body)
    assert r.status_code == 201
    assert (r.json["accept_within_min"], r.json["handle_within_h"]) == (30, 24)
    assert post(admin, "/event-categories", body).json["error"]["code"] == "code_taken"
    r = post(admin, "/event-categories", {**body, "code": "ED-2", "department_code": "NO"})
    assert list(r.json["error"]["fields"]) == ["department_code"]
    codes = [c["code"] for c in api(world.people.member).get("/event-categories").json["items"]]
    assert codes == ["ED-1", "FC-LAMP", "PS-ERRAND"]


def test_listing_scope_filters_and_pages(api, world, report):
    ids = [report()["id"] for _ in range(5)]
    far = report(world.people.far_member, grid_id=None)["id"]
    coordinator = api(world.people.coordinator)
    listed = [i["id"] for i in coordinator.get("/events").json["items"]]
    assert listed == ids[::-1]  # newest first; the far event is out of scope
    response = coordinator.get(f"/events?limit=2&before_id={ids[3]}")
    assert response.status_code == 200, response.json
    page = response.json["items"]
    assert [i["id"] for i in page] == [ids[2], ids[1]]
    assert [i["id"] for i in api(world.people.far_member).get("/events").json["items"]] == [far]
    assert [i["id"] for i in api(world.people.admin).get("/events").json["items"]][0] == far
    assert api(world.people.neighbour).get("/events").json["items"] == []
    assert len(api(world.gridworker).get("/events").json["items"]) == 5
    post(coordinator, f"/events/{ids[0]}/register")
    post(coordinator, f"/events/{ids[0]}/dispatch", {"department_code": "CUM"})
    mine = api(world.handler).get("/events?assigned_to_me=true").json["items"]
    assert [i["id"] for i in mine] == [ids[0]]
    assert len(coordinator.get("/events?status=registered").json["items"]) == 0
    assert len(coordinator.get("/events?category_code=NOPE").json["items"]) == 0
    assert len(coordinator.get(f"/events?unit_id={world.tree.far.id}").json["items"]) == 0
    assert coordinator.get("/events?overdue=true").json["items"] == []
    item = coordinator.get("/events?limit=1").json["items"][0]
    assert set(item) == {
        "id",
        "number",
        "status",
        "category_code",
        "grid_id",
        "priority",
        "reported_at",
        "handle_due_at",
        "overdue",
    }
    for bad in ("limit=501", "limit=0", "before_id=99999999999999999999", "status=lost"):
        assert coordinator.get(f"/events?{bad}").status_code == 422, bad


def test_stats(api, world, report):
    report()
    r = api(world.people.organiser).get("/events/stats?by=category")
    assert r.status_code == 200
    assert r.json["totals"]["reported"] == 1 and r.json["totals"]["closure_rate"] == 0.0
    assert r.json["items"][0]["code"] == "FC-LAMP"
    assert api(world.people.member).get("/events/stats").status_code == 403
    r = api(world.people.coordinator).get("/events/stats?by=town")
    assert (r.status_code, list(r.json["error"]["fields"])) == (422, ["by"])
    r = api(world.people.admin).get("/events/stats?from=0001-01-01&to=9999-12-31")
    assert r.status_code == 422
    r = api(world.people.admin).get("/events/stats?from=2026-13-01")
    assert r.status_code == 422


@pytest.mark.parametrize(
    "text",
    [
        '{"category_code": "FC-LAMP", "description": "lone \\ud800"}',
        '{"category_code": "FC-LAMP", "description": "nul \\u0000"}',
        '{"category_code": "FC-LAMP\\udfff", "description": "x"}',
        '{"category_code": "FC-LAMP", "description": "x", "lat": 1e400, "lon": 1}',
        '{"category_code": "FC-LAMP", "description": "x", "grid_id": 100000000000000000000}',
        '{"category_code": "FC-LAMP", "description": "x", "grid_id": 1.5}',
        '{"category_code": ["FC-LAMP"], "description": {"a": 1}}',
    ],
)
def test_bad_input_is_a_422_never_a_500(api, world, text):
    r = raw(api(world.people.member), "/events", text)
    assert r.status_code == 422, r.json


def test_bad_input_on_the_steps(api, world, report):
    eid = report()["id"]
    coordinator = api(world.people.coordinator)
    r = raw(coordinator, f"/events/{eid}/reject", '{"reason": "\\ud800", "duplicate_of": 1e30}')
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"reason", "duplicate_of"}
    r = raw(coordinator, f"/events/{eid}/register", "{not json")
    assert r.status_code == 400
    post(coordinator, f"/events/{eid}/register")
    far = "9999-12-31T23:59:59-12:00"  # the calendar's end: later than the category allows
    r = post(
        coordinator,
        f"/events/{eid}/dispatch",
        {"assignee_id": world.gridworker.id, "handle_due_at": far},
    )
    assert (r.status_code, list(r.json["error"]["fields"])) == (422, ["handle_due_at"])
    r = post(coordinator, f"/events/{eid}/dispatch", {"assignee_id": 2**40})
    assert r.status_code == 422


def test_the_contract_lists_no_dispatch_operation_as_missing(client, tmp_path):
    doc = tmp_path / "openapi.json"
    doc.write_text(json.dumps(client.get("/api/v1/openapi.json").json))
    if not CONTRACT.exists():
        pytest.skip("the shared contract checker is not on this machine")
    out = subprocess.run(
        [sys.executable, str(CONTRACT), str(doc)], capture_output=True, text=True
    ).stdout
    spec = [
        line
        for line in out.splitlines()
        if "/events" in line or "/departments" in line or "event-categories" in line
    ]
    assert spec == []


@pytest.mark.parametrize("step", ["accept", "return", "handle", "register", "dispatch"])
def test_an_events_steps_check_rights_before_fields(api, world, report, step):
    """Someone who may see the event but not take this step gets 403 for a bad body too,
    and someone who may not see it 404 (rights before fields, SPEC 4)."""
    eid = report()["id"]
    bad = {"reason": 5, "result": ["x"], "minutes": "many", "priority": "planet"}
    reporter = api(world.people.member)  # sees their report, takes none of these steps
    assert post(reporter, f"/events/{eid}/{step}", bad).status_code == 403
    stranger = api(world.people.neighbour)
    assert post(stranger, f"/events/{eid}/{step}", bad).status_code in (403, 404)
