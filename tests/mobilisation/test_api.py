from tests.factories import make_member

PLACE = (22.862, 113.525)


def _body(tree, **overrides):
    body = {
        "unit_id": tree.town.id,
        "kind": "sharp_knife",
        "title": "尖刀班支援",
        "lat": PLACE[0],
        "lon": PLACE[1],
        "radius_km": 1,
        "needed": 2,
        "team_size": 2,
        "respond_within_s": 300,
        "skills": [],
    }
    body.update(overrides)
    return body


def _crowd(tree, n=4):
    return [
        make_member(tree.community, home=(PLACE[0] + i * 0.001, PLACE[1])) for i in range(1, n + 1)
    ]


def test_raise_answer_fill_and_watch(tree, people, api):
    crowd = _crowd(tree)
    response = api(people.organiser).post("/callouts", json=_body(tree))
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["status"], body["invited"], body["pending"]) == ("open", 3, 3)
    callout_id = body["id"]
    pending = api(crowd[0]).get("/invitations?status=pending").json["items"]
    assert [i["callout_id"] for i in pending] == [callout_id]
    assert pending[0]["kind"] == "sharp_knife" and pending[0]["expires_at"]
    for m in crowd[:2]:
        answer = api(m).post(f"/callouts/{callout_id}/response", json={"answer": "accept"})
        assert answer.status_code == 200 and answer.json["status"] == "accepted"
    late = api(crowd[2]).post(f"/callouts/{callout_id}/response", json={"answer": "accept"})
    assert late.status_code == 409 and late.json["error"]["code"] == "callout_filled"
    watched = api(people.organiser).get(f"/callouts/{callout_id}").json
    assert (watched["status"], watched["accepted"], watched["not_needed"]) == ("filled", 2, 1)
    assert watched["seconds_to_fill"] is not None
    assert watched["teams"] == [
        {
            "number": 1,
            "leader_id": watched["teams"][0]["leader_id"],
            "member_ids": [crowd[0].id, crowd[1].id],
        }
    ]
    # the invited members can see it; others cannot
    assert api(crowd[0]).get(f"/callouts/{callout_id}").status_code == 200
    assert api(people.far_member).get(f"/callouts/{callout_id}").status_code == 403


def test_answers_that_are_refused(tree, people, api):
    _crowd(tree, 2)
    callout_id = (
        api(people.organiser).post("/callouts", json=_body(tree, needed=1, team_size=1)).json["id"]
    )
    outsider = api(people.far_member).post(
        f"/callouts/{callout_id}/response", json={"answer": "accept"}
    )
    assert outsider.status_code == 409 and outsider.json["error"]["code"] == "not_invited"
    bad = api(people.far_member).post(f"/callouts/{callout_id}/response", json={"answer": "maybe"})
    assert bad.status_code == 422
    close = f"/callouts/{callout_id}/close"
    assert api(people.coordinator).post(close, json={"reason": "险情解除"}).status_code == 403
    for body in (None, {}, {"reason": "  "}):
        unexplained = api(people.organiser).post(close, json=body)
        assert unexplained.status_code == 422, body
        assert "reason" in unexplained.json["error"]["fields"]
    closed = api(people.organiser).post(close, json={"reason": "险情解除"})
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert closed.json["close_reason"] == "险情解除" and closed.json["closed_at"]
    again = api(people.organiser).post(close, json={"reason": "险情解除"})
    assert again.status_code == 409


def test_raise_validation_and_scope(tree, people, api):
    for overrides, field in [
        ({"radius_km": 0}, "radius_km"),
        ({"radius_km": 250}, "radius_km"),
        ({"needed": 0}, "needed"),
        ({"team_size": 3}, "team_size"),
        ({"respond_within_s": 10}, "respond_within_s"),
        ({"unit_id": tree.other_town.id}, "unit_id"),
    ]:
        response = api(people.organiser).post("/callouts", json=_body(tree, **overrides))
        assert response.status_code == 422, (overrides, response.json)
        assert field in response.json["error"]["fields"]
    # Rights before fields (issue 15 item 13): a member without a role is refused, 403.
    assert (
        api(people.member)
        .post("/callouts", json=_body(tree, unit_id=tree.community.id))
        .status_code
        == 403
    )
    assert api(people.organiser).get("/callouts/424242").status_code == 404
