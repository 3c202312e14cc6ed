"""The rankings page, the organiser's dashboard and the public honour roll."""

import re
from datetime import timedelta

import pytest

from tests.factories import grant, make_checkpoint, make_member, make_shift, make_signup
from timebank.auth.models import Role
from timebank.core.clock import local, utcnow
from timebank.ledger.services import adjust, reverse
from timebank.members.models import MemberStatus
from timebank.rankings import dashboard, periods
from timebank.rankings.totals import period_keys


def _give(actor, member, minutes, now=None):
    return adjust(actor, member, minutes=minutes, reason="测试", now=now or utcnow())


def _rows(html: str) -> list[str]:
    """The ranking table's rows as plain text, one string per row."""
    body = html.split('data-test="ranking-table"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr[^>]*data-test-rank[^>]*>(.*?)</tr>", body, re.S)
    # The "You" badge is checked through data-test="my-row"; leave it out of the text so
    # the rows read the same in either language.
    rows = [re.sub(r'<span class="badge[^"]*">.*?</span>', " ", r, flags=re.S) for r in rows]
    return [" ".join(re.sub(r"<[^>]+>", " ", r).split()) for r in rows]


# The rankings page ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "coordinator", "organiser", "admin"])
def test_rankings_page_for_each_role_shows_own_row(tree, people, login, who):
    _give(people.coordinator, people.member, 150)
    _give(people.coordinator, people.neighbour, 90)
    if who != "member":  # nobody adjusts their own balance
        giver = people.admin if who in ("coordinator", "organiser") else people.organiser
        _give(giver, getattr(people, who), 30)
    html = login(getattr(people, who)).get("/rankings").get_data(as_text=True)
    rows = _rows(html)
    assert rows[0] == "1 王小明 2 小时 30 分钟 0 —"
    assert "赵邻居 1 小时 30 分钟" in rows[1]
    mine = re.search(r'<tr class="table-warning tb-me"[^>]*data-test="my-row"', html)
    assert mine, "the viewer's own row is highlighted"
    assert "/rankings/export.csv?" in html and "/rankings/export.xlsx?" in html


def test_member_sees_own_community_by_default_and_response_rate_blank(tree, people, login):
    _give(people.coordinator, people.member, 60)
    _give(people.far_coordinator, people.far_member, 600)
    html = login(people.member).get("/rankings").get_data(as_text=True)
    assert _rows(html) == ["1 王小明 1 小时 0 —"]
    assert "远方成员" not in html


def test_towns_ranking_this_month(tree, people, login):
    _give(people.coordinator, people.member, 120)
    _give(people.far_coordinator, people.far_member, 300)
    client = login(people.admin)
    html = client.get(f"/rankings?by=town&period=month&unit_id={tree.district.id}").get_data(
        as_text=True
    )
    assert _rows(html) == ["1 大岗镇 5 小时 0", "2 黄阁镇 2 小时 0"]
    key = period_keys(utcnow())["month"]
    assert key in html
    assert f"by=town&amp;period=month&amp;unit_id={tree.district.id}&amp;limit=50" in html


def test_ties_share_a_rank_and_reversals_do_not_count(tree, people, login):
    a, b, c = (make_member(tree.community, name=n) for n in ("甲一", "乙二", "丙三"))
    _give(people.coordinator, a, 120)
    _give(people.coordinator, b, 120)
    _give(people.coordinator, c, 60)
    wrong = _give(people.coordinator, people.neighbour, 900)
    reverse(people.coordinator, wrong, reason="录错了")
    html = login(people.coordinator).get("/rankings").get_data(as_text=True)
    assert [r.split()[:2] for r in _rows(html)] == [["1", "甲一"], ["1", "乙二"], ["3", "丙三"]]
    assert "赵邻居" not in html


def test_own_place_is_shown_below_the_table_when_outside_the_top(tree, people, login):
    for n in range(10):
        _give(people.coordinator, make_member(tree.community), 100 + n)
    _give(people.coordinator, people.member, 30)
    html = login(people.member).get("/rankings?limit=10").get_data(as_text=True)
    assert len(_rows(html)) == 10 and 'data-test="my-row"' not in html
    place = html.split('data-test="my-place"', 1)[1][:400]
    assert "11" in place and "30 分钟" in place


def test_members_of_a_wider_unit_fall_back_to_own_community(tree, people, login):
    _give(people.coordinator, people.member, 60)
    html = login(people.member).get(f"/rankings?by=member&unit_id={tree.district.id}")
    assert html.status_code == 200
    text = html.get_data(as_text=True)
    assert 'data-test="ranking-notice"' in text and "王小明" in text


@pytest.mark.parametrize(
    ("who", "query"),
    [
        ("coordinator", "unit_id={far}"),
        ("coordinator", "by=community&unit_id={far}"),
        ("member", "by=member&unit_id={far}"),
        ("far_member", "by=member&unit_id={community}"),
        ("organiser", "by=member&unit_id={far}"),
    ],
)
def test_units_out_of_scope_are_403(tree, people, login, who, query):
    client = login(getattr(people, who))
    url = "/rankings?" + query.format(far=tree.far.id, community=tree.community.id)
    assert client.get(url).status_code == 403
    assert client.get(url.replace("/rankings?", "/rankings/export.csv?")).status_code == 403


def test_bad_filters_are_400_and_unknown_units_404(tree, people, login):
    client = login(people.coordinator)
    page = client.get("/rankings?by=planet&period=decade")
    assert page.status_code == 400
    assert page.get_data(as_text=True).count("invalid-feedback") == 2
    assert client.get("/rankings?limit=7").status_code == 400
    assert client.get("/rankings/export.xlsx?period=decade").status_code == 400
    assert client.get("/rankings?unit_id=999999").status_code == 404


def test_rankings_need_a_login(client, tree):
    assert client.get("/rankings").status_code == 302


def test_previous_period_shows_last_month(tree, people, login):
    today = local(utcnow()).date()
    last_month = periods.previous_day("month", today)
    _give(people.coordinator, people.member, 240, now=periods.moment(last_month))
    client = login(people.coordinator)
    assert 'data-test="ranking-empty"' in client.get("/rankings").get_data(as_text=True)
    html = client.get(f"/rankings?on={last_month.isoformat()}").get_data(as_text=True)
    assert _rows(html)[0].startswith("1 王小明 4 小时")
    assert 'data-test="next-period"' in html


def test_unit_picker_offers_towns_and_communities_of_the_role(tree, people, login):
    html = login(people.admin).get("/rankings?by=community").get_data(as_text=True)
    picker = html.split('name="unit_id"', 1)[1].split("</select>", 1)[0]
    for name in ("南沙区", "黄阁镇", "大岗镇", "金洲社区", "大岗社区"):
        assert name in picker
    assert "第1网格" not in picker  # grids are not compared by community


# The dashboard ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("member", 403), ("staff", 403), ("coordinator", 403), ("organiser", 200), ("admin", 200)],
)
def test_dashboard_is_for_organisers(tree, people, login, who, status):
    assert login(getattr(people, who)).get("/dashboard").status_code == status


def test_dashboard_unit_must_be_in_the_organisers_scope(tree, people, login):
    client = login(people.organiser)  # an organiser of the town
    assert client.get(f"/dashboard?unit_id={tree.district.id}").status_code == 403
    assert client.get(f"/dashboard?unit_id={tree.other_town.id}").status_code == 403
    assert client.get(f"/dashboard?unit_id={tree.community.id}").status_code == 200


def test_dashboard_figures_come_from_the_data(tree, people, login):
    now = utcnow()
    today = local(now).date()
    # A minute into last month: within "the same days" however early in this month.
    last_month = periods.start_of(periods.previous_day("month", today)) + timedelta(minutes=1)
    for minutes in (120, 45):
        _give(people.coordinator, people.member, minutes, now=now)
    _give(people.coordinator, people.neighbour, 75, now=now)
    reverse(people.coordinator, _give(people.coordinator, people.neighbour, 500), reason="x")
    _give(people.coordinator, people.member, 600, now=last_month)
    _give(people.far_coordinator, people.far_member, 999, now=now)  # another town
    make_checkpoint(tree.community)
    make_checkpoint(tree.sibling)
    make_checkpoint(tree.far)
    week_start = periods.start_of(periods.first_day("week", today))
    shift = make_shift(tree.community, starts_at=week_start + timedelta(hours=30), capacity=4)
    make_signup(people.member, shift)
    make_shift(tree.sibling, starts_at=week_start + timedelta(hours=32), capacity=6)
    make_shift(tree.far, starts_at=week_start + timedelta(hours=32), capacity=6)
    past = make_shift(tree.community, starts_at=now - timedelta(days=8), closed_at=now)
    make_signup(people.member, past)
    make_signup(people.neighbour, past, status="no_show")
    make_signup(people.staff, past, status="no_show")
    make_member(tree.sibling, status=MemberStatus.PENDING)

    figs = dashboard.figures(tree.town, now=now)
    assert figs.minutes_this_month == 120 + 45 + 75
    assert figs.month.previous_minutes == 600  # dated on the 1st: within the same days
    assert figs.active_this_month == 2
    assert figs.members_pending == 2 and figs.members_approved == 6
    assert figs.checkpoints == 2
    assert (figs.shifts_this_week, figs.places_this_week, figs.taken_this_week) == (2, 10, 1)
    assert figs.no_shows == 2 and figs.signups_closed == 3
    assert figs.weekly[-1][1] == 240 and len(figs.weekly) == dashboard.WEEKS
    assert figs.parts == [("金洲社区", 240), ("黄阁社区", 0)]
    district = dashboard.figures(tree.district, now=now)
    assert district.minutes_this_month == 240 + 999
    assert district.parts == [("大岗镇", 999), ("黄阁镇", 240)]  # by code

    html = login(people.organiser).get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-test="fig-hours">4 小时<', html)
    assert re.search(r'data-test="fig-pending">2<', html)
    assert re.search(r'data-test="fig-no-shows">67%<', html)
    assert 'id="dashboard-data"' in html and "vendor/chartjs/chart.umd.min.js" in html
    assert "<script>" not in html  # the chart data is JSON, not inline script
    for endpoint in ("/members/", "/members/pending", "/checkpoints/", "/shifts/", "/rankings?"):
        assert f'href="{endpoint}' in html


def test_dashboard_callouts_and_time_to_fill(tree, people, db):
    from timebank.mobilisation.models import Callout

    now = utcnow()
    start = periods.start_of(periods.first_day("month", local(now).date()))
    for minutes, status in ((4, "filled"), (10, "filled"), (None, "short"), (None, "open")):
        created = start + timedelta(minutes=1)
        db.session.add(
            Callout(
                unit_id=tree.town.id,
                kind="vanguard",
                title="测试",
                lat=22.8,
                lon=113.5,
                radius_km=5,
                needed=3,
                team_size=1,
                respond_within_s=300,
                starts_at=created,
                status=status,
                created_at=created,
                filled_at=created + timedelta(minutes=minutes) if minutes else None,
            )
        )
    db.session.flush()
    figs = dashboard.figures(tree.town, now=now)
    assert figs.callouts_raised == 4 and figs.callouts["filled"] == 2
    assert figs.median_fill_s == 7 * 60
    assert dashboard.figures(tree.other_town, now=now).callouts_raised == 0


def test_dashboard_defaults_to_the_widest_organiser_role(tree, people, login):
    grant(people.organiser, Role.ORGANISER, tree.district)
    html = login(people.organiser).get("/dashboard").get_data(as_text=True)
    assert '<span class="text-muted fs-5">南沙区</span>' in html


# The public honour roll ---------------------------------------------------------------------


def test_honour_roll_is_public_masked_and_cacheable(client, tree, people):
    _give(people.coordinator, people.member, 300)
    _give(people.coordinator, people.neighbour, 120)
    _give(people.coordinator, people.staff, 60)
    people.staff.status = MemberStatus.SUSPENDED
    response = client.get("/honour/T-NS")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "王*明" in html and "赵*居" in html and "5 小时" in html
    assert "王小明" not in html and "赵邻居" not in html
    assert "工**员" not in html  # suspended members are not honoured
    for person in (people.member, people.neighbour, people.staff):
        assert person.phone not in html
    assert "****" not in html
    assert f"/members/{people.member.id}" not in html
    assert "csrf_token" not in html and "nav-link" not in html
    assert response.headers["Cache-Control"] in ("public, max-age=300", "max-age=300, public")
    assert "Set-Cookie" not in response.headers
    assert "金洲社区" in html  # the district's roll says where each member serves


def test_honour_roll_looks_the_same_when_signed_in(tree, people, login):
    _give(people.coordinator, people.member, 300)
    html = login(people.coordinator).get("/honour/T-HG-C1").get_data(as_text=True)
    assert "王*明" in html and "协调员" not in html and people.coordinator.phone not in html


def test_honour_roll_of_an_unknown_unit_is_404(client, tree):
    assert client.get("/honour/NOPE").status_code == 404


def test_honour_roll_is_not_public_when_it_sets_a_cookie(client, tree):
    with client.session_transaction() as session:
        session.permanent = True  # refreshed on every answer: a Set-Cookie each time
    response = client.get("/honour/T-NS")
    assert "Set-Cookie" in response.headers
    assert "public" not in response.headers["Cache-Control"]
    assert "private" in response.headers["Cache-Control"]
