"""Notices are stored as what happened and rendered when read: in the reader's language,
with unit names in that language, and links built by url_for from the notice's endpoint."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from tests.factories import make_member, make_shift
from tests.notifications.conftest import NOTE, note
from timebank.core.clock import local, utcnow
from timebank.core.notices import Notice
from timebank.members.services import approve_member
from timebank.mobilisation.services import raise_callout, respond
from timebank.notifications import rendering, services
from timebank.notifications.models import Notification
from timebank.shifts.jobs import send_reminders_job
from timebank.shifts.notices import SHIFT_CANCELLED, SIGNUP_PROMOTED
from timebank.shifts.services import cancel_shift
from timebank.shifts.signups import sign_up

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
#: 3 km north of the community centre.
PLACE = (22.862, 113.525)


@pytest.fixture
def bilingual(tree, db):
    """The community has an English name too."""
    tree.community.name_en = "Jinzhou Community"
    db.session.flush()
    return tree


def _item(html: str, marker='data-test="notification"') -> str:
    """The first inbox item (or banner) of the page, up to its first button's form."""
    start = html.index(marker)
    return html[start : html.index("</form>", start)]


@pytest.mark.parametrize(
    ("made_in", "read_in", "shown", "not_shown"),
    [
        ("zh_CN", "en", "Welcome to Jinzhou Community", "欢迎加入"),
        ("en", "zh_CN", "欢迎加入金洲社区", "Welcome to"),
    ],
)
def test_a_notice_follows_the_readers_switch_on_the_inbox_page(
    bilingual, people, login, db, made_in, read_in, shown, not_shown
):
    people.pending.locale = made_in
    approve_member(people.coordinator, people.pending, now=NOW)
    [stored] = db.session.scalars(
        sa.select(Notification).where(Notification.member_id == people.pending.id)
    )
    assert not_shown.split()[0] in stored.title  # written in the member's language then
    client = login(people.pending)
    client.post(f"/lang/{read_in}", data={"next": "/inbox"})
    html = client.get("/inbox").get_data(as_text=True)
    item = _item(html)
    assert shown in item and not_shown not in item
    if read_in == "en":
        assert "金洲社区" not in item  # the unit's name follows the reader too


@pytest.mark.parametrize(
    ("language", "title", "body_part"),
    [
        ("en", "Welcome to Jinzhou Community", "you can sign up for shifts now"),
        ("zh_CN", "欢迎加入金洲社区", "金洲社区"),
    ],
)
def test_the_api_renders_in_the_requests_language(
    bilingual, people, api, db, language, title, body_part
):
    people.pending.locale = "en" if language == "zh_CN" else "zh_CN"  # made in the other one
    approve_member(people.coordinator, people.pending, now=NOW)
    body = (
        api(people.pending)
        .get("/notifications", headers={"Accept-Language": language.replace("_", "-")})
        .json
    )
    [item] = body["items"]
    assert item["kind"] == "member_approved"
    assert item["title"] == title and body_part in item["body"]
    assert item["link"] == "/shifts/"


def test_a_reminder_names_the_community_in_the_readers_language(bilingual, login, db):
    tree = bilingual
    member = make_member(tree.community)
    start = NOW + timedelta(days=2)
    shift = make_shift(tree.community, starts_at=start, title="值守")
    sign_up(member, shift, now=NOW)
    assert send_reminders_job(now=start - timedelta(hours=23)) == 1
    [stored] = db.session.scalars(
        sa.select(Notification).where(Notification.member_id == member.id)
    )
    assert stored.params["place"] == {"unit": tree.community.id}
    assert stored.params["when"] == rendering.span_ref(shift.starts_at, shift.ends_at)
    assert "金洲社区" in stored.body
    client = login(member)
    client.post("/lang/en", data={"next": "/inbox"})
    item = _item(client.get("/inbox").get_data(as_text=True))
    assert "Tomorrow: 值守" in item
    assert "at Jinzhou Community." in item and "金洲社区" not in item
    when = f"{local(shift.starts_at):%Y-%m-%d %H:%M}–{local(shift.ends_at):%H:%M}"
    assert when == "2026-12-03 16:00–20:00" and when in item  # Beijing time


def _callout(people, tree):
    """A call-out for one member, answered within 5 minutes; its one candidate."""
    member = make_member(tree.community, home=(PLACE[0] + 0.0009, PLACE[1]))
    callout = raise_callout(
        people.organiser,
        now=utcnow(),
        unit_id=tree.town.id,
        kind="sharp_knife",
        title="封控点支援",
        lat=PLACE[0],
        lon=PLACE[1],
        radius_km=1,
        needed=1,
        team_size=1,
        respond_within_s=300,
    )
    return callout, member


def test_the_urgent_banner_is_in_the_readers_language_with_a_url_for_link(
    tree, people, login, app, db
):
    callout, member = _callout(people, tree)
    client = login(member)
    html = client.get("/").get_data(as_text=True)
    banner = _item(html, 'data-test="urgent-notice"')
    assert "召集令：尖刀班 — 封控点支援" in banner
    client.post("/lang/en", data={"next": "/"})
    banner = _item(client.get("/").get_data(as_text=True), 'data-test="urgent-notice"')
    assert "Call-out: Sharp-knife squad — 封控点支援" in banner and "召集令" not in banner
    with app.test_request_context():
        answer = url_for("mobilisation.answer", callout_id=callout.id)
    assert f'href="{answer}"' in banner


def test_open_goes_to_the_url_for_of_the_notices_endpoint(tree, people, login, app, db):
    shift = make_shift(tree.community, starts_at=NOW + timedelta(days=1))
    sign_up(people.member, shift, now=NOW)
    cancel_shift(people.coordinator, shift, reason="暴雨", now=NOW)
    [notice] = db.session.scalars(
        sa.select(Notification).where(Notification.member_id == people.member.id)
    )
    assert (notice.kind, notice.subject_type, notice.subject_id) == (
        SHIFT_CANCELLED.kind,
        "shift",
        shift.id,
    )
    assert notice.link is None  # no hand-built path is stored
    with app.test_request_context():
        expected = url_for("shifts.detail", shift_id=shift.id)
    response = login(people.member).post(f"/inbox/{notice.id}/open")
    assert response.headers["Location"] == expected


def test_links_follow_the_url_map_not_a_stored_path(app, tree, db, monkeypatch):
    """Re-point the notice's endpoint and the same row leads to the new page."""
    member = make_member(tree.community)
    notification = services.notify(
        member, SIGNUP_PROMOTED, subject_id=7, params={"title": "t", "when": "w"}, now=NOW
    )
    moved = Notice(
        SIGNUP_PROMOTED.kind,
        SIGNUP_PROMOTED.title,
        SIGNUP_PROMOTED.body,
        subject="shift",
        endpoint="shifts.roster",
        subject_arg="shift_id",
    )
    with app.test_request_context():
        assert rendering.show(notification).link == url_for("shifts.detail", shift_id=7)
        monkeypatch.setitem(rendering.NOTICES, moved.kind, moved)
        assert rendering.show(notification).link == url_for("shifts.roster", shift_id=7)


@pytest.mark.parametrize(
    ("public_url", "expected"),
    [
        ("https://tb.example.cn", "https://tb.example.cn/shifts/7"),
        ("https://tb.example.cn/timebank/", "https://tb.example.cn/timebank/shifts/7"),
        ("http://10.0.0.5:8000", "http://10.0.0.5:8000/shifts/7"),
        ("", None),
    ],
)
def test_external_links_are_built_from_public_url_by_the_url_map(
    app, db, monkeypatch, public_url, expected
):
    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url)
    assert rendering.external_url(SIGNUP_PROMOTED, 7) == expected
    assert rendering.external_url(NOTE, None) is None  # a notice that opens nothing


def test_rows_from_before_keep_their_stored_texts_and_link(people, login, db):
    old = Notification(
        member=people.member,
        kind="shift_cancelled",
        title="班次取消：旧的",
        body="旧的正文",
        link=f"/members/{people.member.id}",
        created_at=NOW,
    )
    db.session.add(old)
    db.session.flush()
    client = login(people.member)
    client.post("/lang/en", data={"next": "/inbox"})
    item = _item(client.get("/inbox").get_data(as_text=True))
    assert "班次取消：旧的" in item and "旧的正文" in item
    response = client.post(f"/inbox/{old.id}/open")
    assert response.headers["Location"] == f"/members/{people.member.id}"


def test_answering_marks_only_the_invitation_read(tree, people, db):
    callout, member = _callout(people, tree)
    respond(member, callout, answer="accept", now=utcnow())
    notices = {
        n.kind: n.read_at
        for n in db.session.scalars(
            sa.select(Notification).where(Notification.member_id == member.id)
        )
    }
    assert set(notices) == {"callout_invitation", "callout_team"}
    assert notices["callout_invitation"] is not None  # no longer urgent
    assert notices["callout_team"] is None  # the team notice is news: it stays unread


# mark_read_about --------------------------------------------------------------------------


def test_mark_read_about_marks_one_subjects_notices_of_the_given_kinds(tree, db):
    a, b = make_member(tree.community), make_member(tree.community)
    params = {"title": "t", "when": "w"}

    def promoted(member, shift_id):
        return services.notify(member, SIGNUP_PROMOTED, subject_id=shift_id, params=params, now=NOW)

    cancelled = services.notify(
        a, SHIFT_CANCELLED, subject_id=1, params=params | {"reason": "r"}, now=NOW
    )
    mine, other_shift, theirs = promoted(a, 1), promoted(a, 2), promoted(b, 1)
    unrelated = note(a, now=NOW)

    later = NOW + timedelta(minutes=5)
    marked = services.mark_read_about([a.id], "shift", 1, kinds=[SIGNUP_PROMOTED.kind], now=later)
    assert marked == 1  # one UPDATE
    db.session.expire_all()
    assert db.session.get(Notification, mine.id).read_at == later
    for untouched in (cancelled, other_shift, theirs, unrelated):
        assert db.session.get(Notification, untouched.id).read_at is None
    assert services.mark_read_about([a.id, b.id], "shift", 1, now=later) == 2  # any kind
    assert services.mark_read_about([a.id], "shift", 1, now=later) == 0  # already read
