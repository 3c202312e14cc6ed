"""The call-out pages: the list, the form, the live page and its JSON, answering, profiles."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member
from timebank.core.clock import local, utcnow
from timebank.mobilisation import services, waves
from timebank.mobilisation.models import Callout, Invitation

#: 3 km north of the community centre: only the `crowd` lives within 1 km of it.
PLACE = (22.862, 113.525)


@pytest.fixture
def crowd(tree):
    """Four active members living 100 m … 400 m north of the place."""
    return [
        make_member(tree.community, name=f"队员{i}", home=(PLACE[0] + i * 0.0009, PLACE[1]))
        for i in range(1, 5)
    ]


def _raise(actor, unit, **overrides):
    fields = dict(
        unit_id=unit.id,
        kind="sharp_knife",
        title="封控点支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=2,
        team_size=2,
        respond_within_s=300,
    )
    fields.update(overrides)
    return services.raise_callout(actor, now=utcnow(), **fields)


def _form(unit, **overrides):
    data = dict(
        kind="sharp_knife",
        title="尖刀班支援",
        unit_id=str(unit.id),
        place="coords",
        lat=str(PLACE[0]),
        lon=str(PLACE[1]),
        radius_km="1",
        needed="2",
        team_size="2",
        respond_within_min="5",
    )
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def _invalid(html: str, field_id: str) -> bool:
    """Whether the input or select with this id is marked invalid."""
    tag = re.search(rf'<(?:input|select|textarea)[^>]*\bid="{field_id}"[^>]*>', html)
    assert tag, f"no field {field_id}"
    return "is-invalid" in tag.group(0)


def _invitation(db, callout, member):
    return db.session.scalar(
        sa.select(Invitation).where(
            Invitation.callout_id == callout.id, Invitation.member_id == member.id
        )
    )


# The list ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status", "sees"),
    [
        ("organiser", 200, True),
        ("coordinator", 200, True),
        ("admin", 200, True),
        ("far_coordinator", 200, False),
        ("staff", 403, False),
        ("member", 403, False),
    ],
)
def test_index_lists_callouts_in_scope_newest_first(tree, people, crowd, login, who, status, sees):
    _raise(people.organiser, tree.community, title="第一次集结")
    _raise(people.organiser, tree.community, title="第二次集结", lat=PLACE[0] + 0.5)
    response = login(getattr(people, who)).get("/callouts")
    html = response.get_data(as_text=True)
    assert response.status_code == status
    assert ("第一次集结" in html) is sees
    if sees:
        assert html.index("第二次集结") < html.index("第一次集结")
        assert 'data-test="callout-status"' in html


# The form ------------------------------------------------------------------------------


def test_form_offers_only_units_and_places_in_scope(tree, people, login):
    make_checkpoint(tree.community, name="北门卡口")
    make_checkpoint(tree.far, name="大岗卡口")
    html = login(people.coordinator).get("/callouts/new").get_data(as_text=True)
    assert "北门卡口" in html and "大岗卡口" not in html
    unit_select = re.search(r'<select[^>]*id="unit_id".*?</select>', html, re.S).group(0)
    assert tree.community.name in unit_select and tree.town.name not in unit_select
    assert tree.far.name not in html
    assert 'id="respond_within_min"' in html and 'min="1"' in html


def test_form_is_for_coordinators_and_organisers(people, login):
    assert login(people.member).get("/callouts/new").status_code == 403
    assert login(people.staff).post("/callouts/new", data={}).status_code == 403
    assert login(people.organiser).get("/callouts/new").status_code == 200


def test_raise_from_the_form_then_watch_the_live_page(tree, people, crowd, login, db):
    client = login(people.organiser)
    response = client.post(
        "/callouts/new", data=_form(tree.town, skills=[], party_only="y", respond_within_min="3")
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    callout = db.session.scalars(sa.select(Callout)).one()
    assert response.headers["Location"] == f"/callouts/{callout.id}"
    assert (callout.unit_id, callout.respond_within_s, callout.party_only) == (
        tree.town.id,
        180,
        True,
    )
    assert abs((callout.starts_at - utcnow()).total_seconds()) < 60  # empty start: now
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-success" in html  # "3 members invited"
    assert 'data-count="invited">3<' in html and 'data-count="pending">3<' in html
    assert all(m.name in html for m in crowd[:3]) and crowd[3].name not in html
    assert 'id="callout-live-state"' in html and "js/callout-live.js" in html


def test_raise_where_nobody_fits_says_so(tree, people, login, db):
    client = login(people.organiser)
    response = client.post("/callouts/new", data=_form(tree.town, skills=["drone"]))
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "alert-danger alert-dismissible" in html and 'data-status="short"' in html


def test_raise_at_a_checkpoint_or_a_community_with_local_times(tree, people, crowd, login, db):
    cp = make_checkpoint(tree.community, name="北门卡口", lat=PLACE[0], lon=PLACE[1])
    client = login(people.coordinator)
    start = (local(utcnow()) + timedelta(hours=2)).replace(second=0, microsecond=0)
    end = start + timedelta(hours=3)
    data = _form(
        tree.community,
        place="checkpoint",
        checkpoint_id=str(cp.id),
        lat=None,
        lon=None,
        starts_at=start.strftime("%Y-%m-%dT%H:%M"),
        ends_at=end.strftime("%Y-%m-%dT%H:%M"),
    )
    assert client.post("/callouts/new", data=data).status_code == 302
    callout = db.session.scalars(sa.select(Callout)).one()
    assert callout.checkpoint_id == cp.id
    assert callout.starts_at == start and callout.ends_at == end  # Beijing time, stored UTC
    # A community's centre: where the `people` live, 3 km from the crowd.
    data = _form(tree.community, place="community", community_id=str(tree.community.id))
    assert client.post("/callouts/new", data=data).status_code == 302
    second = db.session.scalars(sa.select(Callout).order_by(Callout.id.desc())).first()
    assert (second.lat, second.lon) == (tree.community.lat, tree.community.lon)
    assert services.callout_counts(second)["invited"] == 3
    assert all(_invitation(db, second, m) is None for m in crowd)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"respond_within_min": "0"}, "respond_within_min"),
        ({"respond_within_min": "abc"}, "respond_within_min"),
        ({"team_size": "3"}, "team_size"),
        ({"needed": ""}, "needed"),
        ({"radius_km": "500"}, "radius_km"),
        ({"title": ""}, "title"),
        ({"place": "checkpoint"}, "checkpoint_id"),
        ({"place": "community"}, "community_id"),
        ({"lat": ""}, "lat"),
        ({"lat": "95"}, "lat"),
        ({"starts_at": "2020-01-01T08:00"}, "starts_at"),
        ({"starts_at": "2099-01-01T08:00", "ends_at": "2099-01-01T07:00"}, "ends_at"),
        ({"skills": ["juggling"]}, "skills-0"),
    ],
)
def test_form_errors_are_shown_at_the_fields(tree, people, login, db, overrides, field):
    response = login(people.organiser).post("/callouts/new", data=_form(tree.town, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    if field == "skills-0":
        assert "text-danger small" in html  # the checkbox group shows its error below
    else:
        assert _invalid(html, field), field
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Callout)) == 0


def test_form_error_from_the_service_in_minutes(app, tree, people, login):
    app.config["CALLOUT_MIN_RESPONSE_S"] = 600
    try:
        client = login(people.organiser)
        html = client.post("/callouts/new", data=_form(tree.town)).get_data(as_text=True)
        assert _invalid(html, "respond_within_min") and "10" in html
        assert 'min="10"' in client.get("/callouts/new").get_data(as_text=True)
    finally:
        app.config["CALLOUT_MIN_RESPONSE_S"] = 60


@pytest.mark.parametrize("field", ["unit_id", "checkpoint_id", "community_id"])
def test_form_refuses_units_and_places_out_of_scope(tree, people, login, db, field):
    far_cp = make_checkpoint(tree.far, name="大岗卡口")
    data = {
        "unit_id": _form(tree.far),
        "checkpoint_id": _form(tree.town, place="checkpoint", checkpoint_id=str(far_cp.id)),
        "community_id": _form(tree.town, place="community", community_id=str(tree.far.id)),
    }[field]
    html = login(people.organiser).post("/callouts/new", data=data).get_data(as_text=True)
    assert _invalid(html, field)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Callout)) == 0


# The live page and its JSON --------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("organiser", 200),
        ("coordinator", 200),
        ("admin", 200),
        ("far_coordinator", 403),
        ("staff", 403),
        ("neighbour", 403),  # not invited: lives at the community centre, 3 km away
        ("invited", 302),  # sent to their own page
    ],
)
def test_live_page_by_role(tree, people, crowd, login, who, status):
    callout = _raise(people.organiser, tree.community)
    actor = crowd[0] if who == "invited" else getattr(people, who)
    response = login(actor).get(f"/callouts/{callout.id}")
    assert response.status_code == status
    if status == 302:
        assert response.headers["Location"] == f"/callouts/{callout.id}/answer"
    if status == 403:
        assert crowd[0].phone not in response.get_data(as_text=True)


def test_live_page_missing_is_404(people, login):
    client = login(people.organiser)
    assert client.get("/callouts/999").status_code == 404
    assert client.get("/callouts/999.json").status_code == 404
    assert client.get("/callouts/999/answer").status_code == 404


def test_live_page_when_filled_shows_teams_time_and_phones(tree, people, crowd, login):
    callout = _raise(people.organiser, tree.community, needed=2, team_size=1)
    for member in crowd[:2]:
        services.respond(member, callout, answer="accept")
    html = login(people.coordinator).get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-status="filled"' in html
    assert html.count('data-test="team"') == 2 and "badge text-bg-warning" in html
    assert f'href="tel:{crowd[0].phone}"' in html
    assert 'data-test="time-to-fill"' in html and 'data-field="fill-box" hidden' not in html
    assert 'data-test="close-callout"' not in html  # coordinators cannot close
    organiser_html = login(people.organiser).get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-test="close-callout"' in organiser_html


def test_live_page_highlights_a_shortfall(tree, people, crowd, login):
    callout = _raise(people.organiser, tree.community, lat=PLACE[0] + 0.5)  # nobody near
    html = login(people.organiser).get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-status="short"' in html and "alert-danger tb-live-banner" in html


@pytest.mark.parametrize(
    ("who", "status"),
    [("organiser", 200), ("coordinator", 200), ("far_coordinator", 403), ("invited", 403)],
)
def test_json_endpoint(tree, people, crowd, login, who, status):
    callout = _raise(people.organiser, tree.community)
    services.respond(crowd[0], callout, answer="accept")
    services.respond(crowd[1], callout, answer="decline")
    waves.top_up_declined(now=utcnow())
    actor = crowd[2] if who == "invited" else getattr(people, who)
    response = login(actor).get(f"/callouts/{callout.id}.json")
    assert response.status_code == status
    if status != 200:
        return
    body = response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert (body["status"], body["accepted"], body["declined"], body["needed"]) == (
        "open",
        1,
        1,
        2,
    )
    assert body["invited"] == 4 and body["pending"] == 2  # the decline topped it up
    assert body["created_at"].endswith("+00:00") and body["server_time"]
    rows = {r["name"]: r for r in body["invitations"]}
    assert rows[crowd[0].name]["status"] == "accepted"
    assert rows[crowd[0].name]["phone"] == crowd[0].phone and rows[crowd[0].name]["phone_visible"]
    assert [r["wave"] for r in body["invitations"]] == [1, 1, 1, 2]


def test_json_endpoint_masks_phones_of_members_out_of_the_viewers_scope(
    tree, people, crowd, login, db
):
    callout = _raise(people.organiser, tree.community)
    crowd[0].community_id = tree.far.id  # moved away since being invited
    db.session.flush()
    body = login(people.coordinator).get(f"/callouts/{callout.id}.json").json
    rows = {r["member_id"]: r for r in body["invitations"]}
    assert rows[crowd[0].id]["phone"] != crowd[0].phone and not rows[crowd[0].id]["phone_visible"]
    assert rows[crowd[1].id]["phone"] == crowd[1].phone


def test_stand_down_from_the_live_page_asks_why(tree, people, crowd, login, db):
    callout = _raise(people.organiser, tree.community)
    close = f"/callouts/{callout.id}/close"
    assert login(people.coordinator).get(close).status_code == 403
    assert login(people.coordinator).post(close, data={"reason": "x"}).status_code == 403
    client = login(people.organiser)
    live = client.get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert f'href="{close}"' in live  # a link to the stand-down page, not a one-tap POST
    page = client.get(close).get_data(as_text=True)
    assert 'data-test="stand-down-form"' in page and "data-confirm=" in page
    assert 'name="reason"' in page
    refused = client.post(close, data={"reason": "  "})
    assert refused.status_code == 200 and "is-invalid" in refused.get_data(as_text=True)
    assert db.session.get(Callout, callout.id).status == "open"
    response = client.post(close, data={"reason": "火情已扑灭"})
    assert response.status_code == 302
    stood_down = db.session.get(Callout, callout.id)
    assert stood_down.status == "closed" and stood_down.close_reason == "火情已扑灭"
    html = client.get(f"/callouts/{callout.id}").get_data(as_text=True)
    assert 'data-status="closed"' in html and 'data-test="close-callout"' not in html
    assert "火情已扑灭" in html  # the banner says why
    client.post(close, data={"reason": "again"})  # again: refused, flashed
    assert "alert-warning" in client.get(f"/callouts/{callout.id}").get_data(as_text=True)


def test_timers_stop_at_the_stand_down(tree, people, crowd, login, db):
    raised = utcnow() - timedelta(minutes=30)
    callout = services.raise_callout(
        people.organiser,
        now=raised,
        unit_id=tree.community.id,
        kind="sharp_knife",
        title="封控点支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=2,
        team_size=2,
        respond_within_s=300,
    )
    services.close(people.organiser, callout, reason="险情解除", now=raised + timedelta(minutes=7))
    html = login(people.organiser).get(f"/callouts/{callout.id}").get_data(as_text=True)
    since = re.search(r'data-test="since">([^<]*)<', html).group(1)
    assert since == "7 分 0 秒", since  # 7 minutes, not the 30 since it was raised


# The member's page -----------------------------------------------------------------------


def test_answer_page_for_the_invited_only(tree, people, crowd, login):
    callout = _raise(people.organiser, tree.community)
    html = login(crowd[0]).get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert 'data-test="countdown"' in html and 'data-test="accept"' in html
    assert 'data-test="decline"' in html and "js/countdown.js" in html
    assert "geo:22.862000,113.525000" in html and 'data-test="distance"' in html
    for outsider in (people.neighbour, people.organiser, people.far_member):
        assert login(outsider).get(f"/callouts/{callout.id}/answer").status_code == 403
        response = login(outsider).post(f"/callouts/{callout.id}/answer", data={"accept": "y"})
        assert response.status_code == 403


def test_accept_then_team_with_leader_place_and_phones(tree, people, crowd, login, db):
    callout = _raise(people.organiser, tree.community, needed=2, team_size=2)
    first = login(crowd[0])
    response = first.post(f"/callouts/{callout.id}/answer", data={"accept": "y"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/callouts/{callout.id}/answer"
    html = first.get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert 'data-test="accepted-waiting"' in html and "data-refresh-s" in html
    assert 'data-test="accept"' not in html
    login(crowd[1]).post(f"/callouts/{callout.id}/answer", data={"accept": "y"})
    html = login(crowd[0]).get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    team = re.search(r'data-test="my-team".*?</ul>', html, re.S).group(0)
    assert crowd[0].name in team and crowd[1].name in team
    assert f'href="tel:{crowd[1].phone}"' in team and f"tel:{crowd[0].phone}" not in team
    assert "bi-star-fill" in team  # the leader
    assert "geo:22.862000,113.525000" in html
    assert _invitation(db, callout, crowd[0]).status == "accepted"


def test_decline_shows_thanks(tree, people, crowd, login, db):
    callout = _raise(people.organiser, tree.community)
    client = login(crowd[0])
    client.post(f"/callouts/{callout.id}/answer", data={"decline": "y"})
    html = client.get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert 'data-test="declined-thanks"' in html and "alert-info" in html
    assert _invitation(db, callout, crowd[0]).status == "declined"


def _expire(db, callout, member):
    invitation = _invitation(db, callout, member)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.flush()


@pytest.mark.parametrize(
    ("case", "category"),
    [
        ("callout_filled", "alert-warning"),
        ("invitation_expired", "alert-danger"),
        ("callout_closed", "alert-danger"),
        ("already_answered", "alert-warning"),
    ],
)
def test_refusals_are_flashed(tree, people, crowd, login, db, case, category):
    callout = _raise(people.organiser, tree.community, needed=2)
    late = crowd[2]
    if case == "callout_filled":
        for member in crowd[:2]:
            services.respond(member, callout, answer="accept")
    elif case == "invitation_expired":
        _expire(db, callout, late)
    elif case == "callout_closed":
        services.close(people.organiser, callout, reason="险情解除")
    else:
        services.respond(late, callout, answer="decline")
    client = login(late)
    response = client.post(f"/callouts/{callout.id}/answer", data={"accept": "y"})
    assert response.status_code == 302
    html = client.get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert category in html
    assert _invitation(db, callout, late).status != "accepted"
    assert 'data-test="accept"' not in html


def test_my_callouts_and_the_nav_item(tree, people, crowd, login):
    callout = _raise(people.organiser, tree.community)
    client = login(crowd[0])
    home = client.get("/").get_data(as_text=True)
    assert 'href="/callouts/mine"' in home and 'data-test="urgent-notice"' in home
    html = client.get("/callouts/mine").get_data(as_text=True)
    assert f'href="/callouts/{callout.id}/answer"' in html and 'data-status="pending"' in html
    services.respond(crowd[0], callout, answer="decline")
    assert 'href="/callouts/mine"' not in client.get("/").get_data(as_text=True)
    assert 'data-test="no-invitations"' in login(people.neighbour).get("/callouts/mine").get_data(
        as_text=True
    )


def test_coordinators_find_call_outs_in_the_menu(people, login):
    assert 'href="/callouts"' in login(people.coordinator).get("/").get_data(as_text=True)
    assert 'href="/callouts"' not in login(people.member).get("/").get_data(as_text=True)


# The profile -----------------------------------------------------------------------------


def test_profile_shows_the_response_record(tree, people, crowd, login):
    callout = _raise(people.organiser, tree.community)
    services.respond(crowd[0], callout, answer="accept")
    services.close(people.organiser, callout, reason="险情解除")
    other = _raise(people.organiser, tree.community, lat=PLACE[0] + 0.0001)
    services.respond(crowd[0], other, answer="decline")
    html = login(crowd[0]).get(f"/members/{crowd[0].id}").get_data(as_text=True)
    assert re.search(r'data-test="rr-invited">2<', html)
    assert re.search(r'data-test="rr-accepted">1<', html)
    assert re.search(r'data-test="rr-declined">1<', html)
    assert re.search(r'data-test="rr-rate">100 %<', html)
    assert 'data-test="rr-median"' in html
    coordinator_view = login(people.coordinator).get(f"/members/{crowd[0].id}")
    assert 'data-test="rr-invited">2<' in coordinator_view.get_data(as_text=True)
    never = login(people.neighbour).get(f"/members/{people.neighbour.id}").get_data(as_text=True)
    assert 'data-test="rr-none"' in never
