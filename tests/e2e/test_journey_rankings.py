"""An organiser opens the dashboard, ranks the towns this month and downloads the XLSX."""

import openpyxl
import pytest
from playwright.sync_api import expect

from timebank.auth.models import Role
from timebank.core.clock import utcnow
from timebank.ledger.services import adjust
from timebank.rankings import exports
from timebank.rankings.totals import period_keys

from .. import factories
from .test_journey_members import sign_in

DESKTOP = {"viewport": {"width": 1280, "height": 900}, "locale": "zh-CN"}


@pytest.fixture
def district(live, committed):
    """Two towns with hours this month, and an organiser of the district."""
    tree = factories.make_tree()
    organiser = factories.make_member(
        tree.community, name="区委组织部", roles=[(Role.ORGANISER, tree.district)]
    )
    now = utcnow()
    for community, name, minutes in (
        (tree.community, "王小明", 300),
        (tree.sibling, "李四", 150),
        (tree.far, "陈大文", 240),
        (tree.far, "张三", 30),
    ):
        member = factories.make_member(community, name=name)
        adjust(organiser, member, minutes=minutes, reason="值守补录", now=now)
    factories.make_checkpoint(tree.community, name="北门卡口")
    committed.session.commit()
    seeded = {"organiser": organiser.phone, "district": tree.district.id}
    committed.session.remove()
    return seeded


def _zh_header(app) -> tuple:
    """The export's header as the app writes it in Chinese (whatever the catalogue says)."""
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("zh_CN"):
        return tuple(exports.header("town"))


def _journey(page, live, district, shot, tmp_path, header):
    page.goto(live + "/login")
    sign_in(page, live, district["organiser"], factories.PASSWORD)

    # The dashboard: figures of the district, and the two charts drawn by Chart.js.
    page.goto(live + "/dashboard")
    expect(page.locator("h1")).to_contain_text("南沙区")
    expect(page.locator('[data-test="fig-hours"]')).to_have_text("12 小时")  # 720 minutes
    expect(page.locator('[data-test="fig-active"]')).to_have_text("4")
    expect(page.locator('[data-test="fig-checkpoints"]')).to_have_text("1")
    page.wait_for_function(
        "() => window.Chart && Chart.getChart('chart-weekly') && Chart.getChart('chart-parts')"
    )
    towns = page.evaluate("() => Chart.getChart('chart-parts').data.labels")
    assert towns == ["大岗镇", "黄阁镇"]
    shot(page, "dashboard")

    # From "active this month" to the rankings, then switch to towns, this month.
    page.locator('[data-test="link-active"]').click()
    expect(page.locator('[data-test="ranking-table"]')).to_be_visible()
    page.locator("#by").select_option("town")
    page.locator("#period").select_option("month")
    page.locator('[data-test="show-ranking"]').click()
    rows = page.locator('[data-test="ranking-table"] tbody tr')
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("黄阁镇")
    expect(rows.nth(0)).to_contain_text("7 小时 30 分钟")
    expect(rows.nth(1)).to_contain_text("大岗镇")
    expect(page.locator('[data-test="my-row"]')).to_contain_text("黄阁镇")
    shot(page, "ranking-towns")

    # Export XLSX: the download opens with openpyxl and has the header and the towns.
    with page.expect_download() as download_info:
        page.locator('[data-test="export-xlsx"]').click()
    download = download_info.value
    key = period_keys(utcnow())["month"]
    assert download.suggested_filename == f"ranking_town_month_{key}_南沙区.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    rows = list(openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True))
    assert rows[0] == header
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [(1, "黄阁镇", 450), (2, "大岗镇", 270)]
    assert all(r[-1].startswith(f"{key}-01 – ") for r in rows[1:])  # the month in words


@pytest.mark.e2e
def test_organiser_ranks_towns_and_exports_on_a_phone(app, live, district, phone, shot, tmp_path):
    page = phone().new_page()
    _journey(page, live, district, shot, tmp_path, _zh_header(app))


@pytest.mark.e2e
def test_organiser_ranks_towns_and_exports_on_a_desktop(
    app, live, district, browser, shot, tmp_path
):
    context = browser.new_context(**DESKTOP)
    context.set_default_timeout(10_000)
    problems = []
    page = context.new_page()
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("response", lambda r: r.status >= 500 and problems.append(f"{r.status} {r.url}"))

    # Also what the console reports, e.g. a chart refused by the Content-Security-Policy.
    def _console(message):
        if message.type == "error" and "favicon" not in message.location.get("url", ""):
            problems.append(f"console: {message.text}")

    page.on("console", _console)
    try:
        _journey(page, live, district, shot, tmp_path, _zh_header(app))
    finally:
        context.close()
    assert not problems, problems


@pytest.mark.e2e
def test_honour_roll_on_a_phone_without_signing_in(live, district, phone, shot):
    page = phone().new_page()
    page.goto(live + "/honour/T-NS")
    month = page.locator('[data-test="honour-month"]')
    expect(month.locator('[data-test="honour-name"]')).to_have_text(
        ["王*明", "陈*文", "李*", "张*"]
    )
    expect(page.locator("body")).not_to_contain_text("王小明")
    shot(page, "honour")
