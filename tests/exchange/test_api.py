def _offer(api, people, tree, **kw):
    body = {"community_id": tree.community.id, "title": "理发一次", "minutes": 30, "stock": 1, **kw}
    return api(people.coordinator).post("/offers", json=body)


def test_offers_redeem_and_transfer_over_the_api(api, people, tree, db):
    from timebank.ledger.services import adjust

    adjust(people.coordinator, people.member, minutes=100, reason="存入")
    r = _offer(api, people, tree)
    assert r.status_code == 201
    offer_id = r.json["id"]
    assert [
        o["id"]
        for o in api(people.member).get(f"/offers?community_id={tree.community.id}").json["items"]
    ] == [offer_id]
    r = api(people.member).post(f"/offers/{offer_id}/redeem")
    assert r.status_code == 201 and r.json["kind"] == "redemption" and r.json["minutes"] == -30
    r2 = api(people.member).post(f"/offers/{offer_id}/redeem")
    assert r2.status_code == 409 and r2.json["error"]["code"] == "out_of_stock"
    rid = r.json["redemption_id"]
    assert (
        api(people.member).post(f"/redemptions/{rid}/reverse", json={"reason": "x"}).status_code
        == 403
    )
    r = api(people.coordinator).post(f"/redemptions/{rid}/reverse", json={"reason": "退回"})
    assert r.status_code == 200 and r.json["status"] == "reversed"
    r = api(people.member).post(
        "/ledger/transfers",
        json={"to_member_id": people.neighbour.id, "minutes": 20, "reason": "给母亲"},
    )
    assert r.status_code == 201
    bal = api(people.member).get("/members/me/balance").json
    assert (
        bal["earned_minutes"],
        bal["used_minutes"],
        bal["given_minutes"],
        bal["balance_minutes"],
    ) == (100, 0, 20, 80)
    r = api(people.member).post(
        "/ledger/transfers",
        json={"to_member_id": people.neighbour.id, "minutes": 81, "reason": "x"},
    )
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_balance"
    r = api(people.member).post(
        "/ledger/transfers", json={"to_member_id": people.member.id, "minutes": "x", "reason": ""}
    )
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {
        "to_member_id",
        "minutes",
        "reason",
    }


def test_offer_refusals(api, people, tree, db):
    r = _offer(api, people, tree, minutes=-1, stock=-3, title="")
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"minutes", "stock", "title"}
    assert (
        api(people.member)
        .post(
            "/offers",
            json={"community_id": tree.community.id, "title": "x", "minutes": 1, "stock": 1},
        )
        .status_code
        == 403
    )
    r = api(people.member).post("/offers/999999/redeem")
    assert r.status_code == 404
    r = _offer(api, people, tree)
    r = api(people.member).post(f"/offers/{r.json['id']}/redeem")
    assert r.status_code == 422 and r.json["error"]["code"] == "insufficient_balance"


def test_redemption_reverse_reports_unknown_fields(api, people, tree, db):
    from timebank.ledger.services import adjust

    adjust(people.coordinator, people.member, minutes=100, reason="存入")
    offer_id = _offer(api, people, tree).json["id"]
    rid = api(people.member).post(f"/offers/{offer_id}/redeem").json["redemption_id"]
    r = api(people.coordinator).post(f"/redemptions/{rid}/reverse", json={"bogus": 1})
    assert r.status_code == 422
    assert {"bogus", "reason"} <= set(r.json["error"]["fields"])
    r = api(people.admin).post("/offers", json={"bogus": 1})
    assert r.status_code == 422 and {"bogus", "community_id"} <= set(r.json["error"]["fields"])


def test_patch_and_withdraw_over_the_api(api, people, tree, db):
    from timebank.ledger.services import adjust

    adjust(people.coordinator, people.member, minutes=100, reason="存入")
    offer_id = _offer(api, people, tree, stock=3).json["id"]
    r = api(people.coordinator).patch(f"/offers/{offer_id}", json={"minutes": 40})
    assert r.status_code == 200, r.json
    assert (r.json["minutes"], r.json["stock"], r.json["title"]) == (40, 3, "理发一次")
    r = api(people.member).post(f"/offers/{offer_id}/redeem")
    assert r.status_code == 201 and r.json["minutes"] == -40
    r = api(people.coordinator).patch(
        f"/offers/{offer_id}", json={"minutes": "x", "stock": -1, "community_id": 1}
    )
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"minutes", "stock", "community_id"}
    r = api(people.coordinator).post(f"/offers/{offer_id}/withdraw")
    assert r.status_code == 200 and r.json["withdrawn_at"]
    for call in (
        lambda: api(people.coordinator).post(f"/offers/{offer_id}/withdraw"),
        lambda: api(people.coordinator).patch(f"/offers/{offer_id}", json={"stock": 1}),
        lambda: api(people.member).post(f"/offers/{offer_id}/redeem"),
    ):
        r = call()
        assert r.status_code == 409 and r.json["error"]["code"] == "offer_withdrawn"
    assert api(people.member).get(f"/offers?community_id={tree.community.id}").json["items"] == []


def test_patch_rights_before_fields(api, people, tree, db):
    offer_id = _offer(api, people, tree).json["id"]
    assert api().patch(f"/offers/{offer_id}", json={"stock": 1}).status_code == 401
    assert api(people.member).patch(f"/offers/{offer_id}", json={"stock": "x"}).status_code == 403
    r = api(people.far_coordinator).patch(f"/offers/{offer_id}", json={"stock": "x"})
    assert r.status_code == 403
    assert api(people.far_coordinator).post(f"/offers/{offer_id}/withdraw").status_code == 403
    assert api(people.coordinator).patch("/offers/999999", json={"stock": "x"}).status_code == 404
    assert api(people.coordinator).post("/offers/999999/withdraw").status_code == 404
    r = api(people.coordinator).patch(
        f"/offers/{offer_id}", data="{", content_type="application/json"
    )
    assert r.status_code == 400
    r = api(people.coordinator).patch(f"/offers/{offer_id}", json={"title": "\x00", "stock": 2**70})
    assert r.status_code == 422
