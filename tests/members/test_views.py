from tests.factories import make_member
from timebank.members.models import Member, MemberStatus


def _form(tree, **overrides):
    data = {
        "name": "张伟",
        "phone": "13800138000",
        "password": "abc12345",
        "confirm": "abc12345",
        "community_id": str(tree.community.id),
        "is_party_member": "y",
        "skills": ["medical", "it"],
    }
    data.update(overrides)
    return data


def test_register_page_lists_communities_by_town(tree, client):
    html = client.get("/register").get_data(as_text=True)
    assert '<optgroup label="黄阁镇">' in html
    assert "金洲社区" in html and "大岗社区" in html


def test_register_signs_in_as_pending(tree, client, db):
    response = client.post("/register", data=_form(tree))
    assert response.status_code == 302
    member = db.session.query(Member).filter_by(phone="13800138000").one()
    assert member.status == MemberStatus.PENDING and member.skills == ["it", "medical"]
    home = client.get("/").get_data(as_text=True)
    assert 'data-test="pending-notice"' in home


def test_register_errors_show_at_the_field_and_nothing_is_saved(tree, client, db):
    response = client.post(
        "/register", data=_form(tree, phone="123", password="short", confirm="short")
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count("is-invalid") >= 2
    assert 'value="张伟"' in html  # what was typed is kept
    assert db.session.query(Member).count() == 0


def test_register_taken_phone_shows_at_phone_field(tree, people, client):
    response = client.post("/register", data=_form(tree, phone=people.member.phone))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="phone"' in html and "is-invalid" in html


def test_register_needs_a_community(tree, client):
    response = client.post("/register", data=_form(tree, community_id=""))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    response = client.post("/register", data=_form(tree, community_id=str(tree.town.id)))
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)


def test_pending_page_shows_only_members_in_scope(tree, people, login, db):
    from tests.factories import make_member

    far_pending = make_member(tree.far, status=MemberStatus.PENDING, name="远方待审")
    client = login(people.coordinator)
    html = client.get("/members/pending").get_data(as_text=True)
    assert people.pending.name in html and far_pending.name not in html
    html = login(people.far_coordinator).get("/members/pending").get_data(as_text=True)
    assert far_pending.name in html and people.pending.name not in html


def test_coordinator_approves_from_the_page(people, login, db):
    client = login(people.coordinator)
    response = client.post(f"/members/{people.pending.id}/approve")
    assert response.status_code == 302
    assert db.session.get(Member, people.pending.id).status == MemberStatus.ACTIVE


def test_approve_out_of_scope_is_403_page(people, login, db):
    response = login(people.far_coordinator).post(f"/members/{people.pending.id}/approve")
    assert response.status_code == 403
    assert db.session.get(Member, people.pending.id).status == MemberStatus.PENDING


def test_members_pages_are_for_coordinators(people, login):
    for who in ("member", "staff"):
        client = login(getattr(people, who))
        assert client.get("/members/").status_code == 403
        assert client.get("/members/pending").status_code == 403
        assert client.get("/transfers/").status_code == 403


def test_member_list_search_and_scope(people, login):
    client = login(people.organiser)
    html = client.get("/members/?q=王小").get_data(as_text=True)
    assert people.member.name in html and people.coordinator.name not in html
    html = client.get("/members/").get_data(as_text=True)
    assert people.far_member.name not in html


def test_profile_page_masks_phone_for_staff(people, login):
    phone = people.member.phone
    masked = phone[:3] + "****" + phone[-4:]
    html = login(people.staff).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert masked in html and phone not in html
    html = login(people.coordinator).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert phone in html
    assert login(people.far_member).get(f"/members/{people.member.id}").status_code == 403


def test_staff_cannot_open_edit_page(people, login):
    assert login(people.staff).get(f"/members/{people.member.id}/edit").status_code == 403
    assert login(people.member).get(f"/members/{people.member.id}/edit").status_code == 200


def test_edit_own_profile(people, login, db):
    client = login(people.member)
    response = client.post(
        f"/members/{people.member.id}/edit",
        data={
            "name": "王晓明",
            "skills": ["drone"],
            "workplace": "南沙港",
            "grid_id": "",
            "home_lat": "22.81",
            "home_lon": "113.51",
        },
    )
    assert response.status_code == 302
    member = db.session.get(Member, people.member.id)
    assert (member.name, member.skills, member.home_lat) == ("王晓明", ["drone"], 22.81)
    assert member.is_party_member is False  # unchecked box


def test_suspend_from_profile_page(people, login, db):
    client = login(people.coordinator)
    client.post(f"/members/{people.member.id}/suspend", data={"reason": ""})
    assert db.session.get(Member, people.member.id).status == MemberStatus.ACTIVE
    client.post(f"/members/{people.member.id}/suspend", data={"reason": "搬离"})
    assert db.session.get(Member, people.member.id).status == MemberStatus.SUSPENDED


def test_transfer_pages(tree, people, login, db):
    from timebank.members.models import Transfer

    client = login(people.member)
    assert (
        client.post(
            "/members/me/transfer", data={"to_community_id": str(tree.far.id), "note": "搬家"}
        ).status_code
        == 302
    )
    transfer = db.session.query(Transfer).one()
    html = login(people.far_coordinator).get("/transfers/").get_data(as_text=True)
    assert people.member.name in html
    client = login(people.far_coordinator)
    client.post(f"/transfers/{transfer.id}/decide", data={"reason": "", "reject": "1"})
    assert db.session.get(Transfer, transfer.id).status == "pending"  # reason required
    client.post(f"/transfers/{transfer.id}/decide", data={"approve": "1"})
    assert db.session.get(Transfer, transfer.id).status == "approved"
    html = login(people.member).get(f"/members/{people.member.id}").get_data(as_text=True)
    assert "大岗社区" in html


def test_pending_rows_show_party_membership_workplace_and_skills(tree, people, login, db):
    pending = make_member(
        tree.community, status=MemberStatus.PENDING, name="带技能", skills=["medical"]
    )
    pending.workplace = "南沙区人民医院"
    db.session.flush()
    html = login(people.coordinator).get("/members/pending").get_data(as_text=True)
    row = html.split("带技能")[1].split('data-test="pending-row"')[0]
    assert 'data-test="pending-party"' in row and "南沙区人民医院" in row
    assert 'data-test="pending-skills"' in row and "医疗" in row
