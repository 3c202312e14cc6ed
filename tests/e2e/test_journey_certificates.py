"""A member issues a certificate, opens the PDF, the QR's address says genuine; the
coordinator revokes it and the same address says revoked. Then the exchange pages."""

from datetime import UTC, datetime
from io import BytesIO

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from timebank.auth.models import Role
from timebank.exchange import offers
from timebank.ledger.services import adjust

from .. import factories
from .test_journey_members import sign_in


@pytest.fixture
def served(live, committed):
    tree = factories.make_tree()
    coordinator = factories.make_member(
        tree.community, name="协调员", roles=[(Role.COORDINATOR, tree.community)]
    )
    member = factories.make_member(tree.community, name="王小明")
    neighbour = factories.make_member(tree.community, name="赵邻居")
    now = datetime(2026, 7, 1, 2, 0, tzinfo=UTC)
    for day, title, minutes in ((3, "北门卡口值守", 240), (9, "入户宣传", 150)):
        shift = factories.make_shift(
            tree.community, starts_at=datetime(2026, 6, day, 1, 0, tzinfo=UTC), title=title
        )
        adjust(coordinator, member, minutes=minutes, reason="值守", shift_id=shift.id, now=now)
    offers.create_offer(
        coordinator, tree.community, title="爱心超市 大米一袋", price_minutes=60, stock=5
    )
    committed.session.commit()
    seeded = {"member": member.phone, "coordinator": coordinator.phone, "neighbour": neighbour.id}
    committed.session.remove()
    return seeded


def _open(phone, live, who, locale):
    page = phone(locale).new_page()
    page.goto(live + "/login")
    sign_in(page, live, who, factories.PASSWORD)
    if locale == "en":
        page.locator('[data-test="lang-en"]').first.click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
    return page


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_certificate_journey(phone, live, served, shot, locale):
    page = _open(phone, live, served["member"], locale)
    page.goto(live + "/certificates")
    page.locator("#from_on").fill("2026-06-01")
    page.locator("#to_on").fill("2026-06-30")
    shot(page, "my-certificates")
    page.locator('[data-test="issue-form"] [type="submit"]').click()
    expect(page.locator('[data-test="total"]')).to_contain_text("6")
    shot(page, "certificate")

    pdf = page.request.get(live + page.locator('[data-test="pdf"]').get_attribute("href"))
    assert pdf.headers["content-type"] == "application/pdf"
    text = PdfReader(BytesIO(pdf.body())).pages[0].extract_text()
    assert "志愿服务证明" in text and "北门卡口值守" in text

    verify_url = page.locator('[data-test="verify-link"]').get_attribute("href")
    public = phone(locale).new_page()  # anyone, not signed in, from the QR's address
    public.goto(verify_url)
    expect(public.locator('[data-test="verdict"]')).to_have_attribute("data-revoked", "false")
    expect(public.locator('[data-test="name"]')).to_have_text("王*明")
    shot(public, "verify-genuine")
    public.goto(verify_url.split("?")[0])
    expect(public.locator('[data-test="verdict"]')).to_have_attribute("data-valid", "false")
    shot(public, "verify-no-signature")

    coordinator = _open(phone, live, served["coordinator"], locale)
    coordinator.goto(live + "/certificates/register")
    shot(coordinator, "register")
    coordinator.locator('[data-test="register"] a').first.click()
    coordinator.locator("#reason").fill("重复出具")
    coordinator.locator('[data-test="revoke-form"] button').click()
    expect(coordinator.locator('[data-test="revoked"]')).to_be_visible()

    public.goto(verify_url)
    expect(public.locator('[data-test="verdict"]')).to_have_attribute("data-revoked", "true")
    shot(public, "verify-revoked")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_exchange_journey(phone, live, served, shot, locale):
    page = _open(phone, live, served["member"], locale)
    page.goto(live + "/exchange")
    shot(page, "offers")
    page.locator('[data-test="redeem"]').first.click()
    expect(page.locator('[data-test="redemptions"] li')).to_have_count(1)
    shot(page, "my-redemptions")
    page.goto(live + "/exchange/give")
    page.locator("#to_member_id").fill(str(served["neighbour"]))
    page.locator("#minutes").fill("30")
    page.locator("#reason").fill("给母亲")
    shot(page, "give")
    page.locator('[data-test="give-form"] [type="submit"]').click()
    expect(page.locator('[data-test="confirm"]')).to_contain_text("赵*")
    shot(page, "give-confirm")
    page.locator('[data-test="confirm-give"]').click()
    expect(page.locator('[data-test="breakdown"]')).to_be_visible()
    shot(page, "given")


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_coordinator_issues_for_a_member_by_mobile(phone, live, served, shot, locale):
    page = _open(phone, live, served["coordinator"], locale)
    page.goto(live + "/certificates/register")
    expect(page.locator('[data-test="unit-records-form"]')).to_be_visible()
    shot(page, "register-with-records")
    page.locator('[data-test="issue-for-member"]').click()
    page.locator("#phone").fill("13900000001")
    page.locator("#from_on").fill("2026-06-01")
    page.locator("#to_on").fill("2026-06-30")
    page.locator('[data-test="issue-for-member-form"] [type="submit"]').click()
    expect(page.locator("#phone.is-invalid")).to_be_visible()
    shot(page, "issue-unknown-mobile")
    page.locator("#phone").fill(served["member"])
    page.locator("#from_on").fill("2026-06-01")
    page.locator("#to_on").fill("2026-06-30")
    shot(page, "issue-form")
    page.locator('[data-test="issue-for-member-form"] [type="submit"]').click()
    expect(page.locator('[data-test="total"]')).to_contain_text("6")
    shot(page, "issued")
