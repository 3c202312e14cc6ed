"""Each role's home page shows the things that start its job (issue 17), read by the view
in a fixed number of queries whatever the data (the template never queries)."""

import contextlib
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member, make_shift, make_signup
from timebank.auth.models import Role
from timebank.blueprints.main.home import home_for
from timebank.core.clock import LOCAL_TZ, utcnow
from timebank.extensions import db as _db
from timebank.ledger.services import adjust
from timebank.members.models import MemberStatus
from timebank.mobilisation import services as callouts


def _raise(actor, tree, title="北门封控支援", needed=1):
    return callouts.raise_callout(
        actor,
        unit_id=tree.town.id,
        kind="sharp_knife",
        title=title,
        lat=tree.community.lat,
        lon=tree.community.lon,
        radius_km=1,
        needed=needed,
        team_size=1,
        respond_within_s=1800,
    )


def _sections(html: str) -> list[str]:
    return re.findall(
        r'data-test="(home-(?:invitations|organiser|staff|coordinator|member))"', html
    )


def test_a_member_sees_next_shift_qr_hours_and_open_invitations(tree, people, login):
    gate = make_checkpoint(tree.community, name="北门卡口")
    later = make_shift(tree.community, checkpoint=gate, title="北门值守")
    over = make_shift(tree.community, title="昨日宣讲", starts_at=utcnow() - timedelta(days=1))
    make_signup(people.member, later)
    make_signup(people.member, over)  # over already: not "next"
    adjust(people.coordinator, people.member, minutes=270, reason="补录", now=utcnow())
    _raise(people.organiser, tree, needed=20)
    html = login(people.member).get("/").get_data(as_text=True)
    assert _sections(html) == ["home-invitations", "home-member"]  # the call first
    assert re.search(r'data-test="next-shift">.*北门值守.*北门卡口', html, re.S)
    assert 'data-test="home-qr"' in html and 'href="/me/qr"' in html
    assert 'data-test="home-balance-value">4 小时 30 分钟<' in html
    assert 'data-test="home-invitation"' in html


def test_staff_see_todays_shifts_with_a_scanner(tree, people, login):
    shift = make_shift(tree.community, title="今日值守", starts_at=utcnow() + timedelta(minutes=30))
    html = login(people.staff).get("/").get_data(as_text=True)
    assert _sections(html) == ["home-staff", "home-member"]
    assert f'href="/scanner/{shift.id}"' in html and 'data-test="open-scanner"' in html


def test_staff_at_twenty_to_midnight_see_the_shift_after_midnight(tree, people):
    late = datetime(2026, 12, 3, 23, 40, tzinfo=LOCAL_TZ).astimezone(UTC)
    soon = make_shift(tree.community, starts_at=late + timedelta(minutes=30))
    make_shift(tree.community, starts_at=late + timedelta(hours=13))  # tomorrow's noon: not yet
    make_shift(tree.community, starts_at=late - timedelta(hours=5))  # over at 21:40
    home = home_for(people.staff, now=late, locale="zh_CN")
    assert [line.id for line in home.today] == [soon.id]


def test_a_coordinator_sees_each_queue_on_its_own(tree, people, login):
    make_member(tree.community, status=MemberStatus.PENDING)  # and people.pending: 2
    html = login(people.coordinator).get("/").get_data(as_text=True)
    assert _sections(html) == ["home-coordinator", "home-member"]
    assert 'data-test="count-approvals">2<' in html
    assert 'data-test="count-corrections">0<' in html
    assert 'data-test="count-reviews">0<' in html
    assert 'data-test="post-shift"' in html
    # The menu shows the approvals with their own icon, not a sum of different jobs.
    assert re.findall(r'data-test="nav-badge"><i class="bi bi-([\w-]+)"></i> (\d+)', html) == [
        ("person-check", "2")
    ]


def test_an_organiser_raises_in_one_tap_and_sees_call_outs_and_the_month(tree, people, login):
    callout = _raise(people.organiser, tree)
    html = login(people.organiser).get("/").get_data(as_text=True)
    assert _sections(html)[0] == "home-organiser"
    assert 'data-test="raise-callout"' in html and 'href="/callouts/new"' in html
    assert f'href="/callouts/{callout.id}"' in html
    assert 'data-test="home-month-hours"' in html and "上月同期" in html
    form = login(people.organiser).get("/callouts/new").get_data(as_text=True)
    chosen = re.search(r'<select[^>]*id="unit_id".*?</select>', form, re.S).group(0)
    assert re.search(rf'<option selected value="{tree.town.id}"', chosen)  # the town organised


def test_several_roles_show_each_section_most_urgent_first(tree, people, login):
    both = make_member(
        tree.community, roles=[(Role.STAFF, tree.community), (Role.COORDINATOR, tree.community)]
    )
    _raise(people.organiser, tree, needed=20)  # everyone near is asked
    html = login(both).get("/").get_data(as_text=True)
    assert _sections(html) == ["home-invitations", "home-staff", "home-coordinator", "home-member"]


def test_a_pending_member_sees_only_the_wait(tree, people, login):
    html = login(people.pending).get("/").get_data(as_text=True)
    assert 'data-test="pending-notice"' in html and _sections(html) == []


@contextlib.contextmanager
def _counting():
    seen = []

    def note(*args):
        seen.append(1)

    sa.event.listen(_db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", note)


def test_the_home_page_reads_a_fixed_number_of_times(tree, people, login):
    """More shifts, call-outs and invitations do not mean more queries."""
    several = make_member(
        tree.community,
        roles=[(Role.STAFF, tree.community), (Role.COORDINATOR, tree.community)],
    )
    client = login(several)
    _raise(people.organiser, tree, "第一次", needed=20)
    make_shift(tree.community, starts_at=utcnow() + timedelta(minutes=20))
    with _counting() as few:
        client.get("/")
    for n in range(4):
        _raise(people.organiser, tree, f"又一次{n}", needed=20)
        make_shift(tree.community, starts_at=utcnow() + timedelta(minutes=30 + n))
    with _counting() as more:
        client.get("/")
    assert len(more) == len(few) and len(few) <= 30
