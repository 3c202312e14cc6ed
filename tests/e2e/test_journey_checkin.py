"""Check-in at a checkpoint: a member shows their code on one phone, staff scan it on another.

The staff phone types the code (as a person would) or sends it as keystrokes with Enter
(as a keyboard-wedge USB scanner does); a camera cannot be used in a headless browser.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from timebank.auth.models import Role
from timebank.checkin.models import Attendance, Scan
from timebank.core.clock import utcnow

from .. import factories
from .test_journey_members import sign_in

GATE = (22.8350, 113.5250)  # the checkpoint
FAR = (22.8500, 113.5250)  # about 1.7 km north of it


@pytest.fixture
def duty(live, committed):
    """A checkpoint shift that started an hour ago, a member signed up, and staff."""
    tree = factories.make_tree()
    staff = factories.make_member(
        tree.community, name="卡口值守员", roles=[(Role.STAFF, tree.community)]
    )
    member = factories.make_member(tree.community, name="王小明", phone="13812345678")
    checkpoint = factories.make_checkpoint(
        tree.community, name="北门卡口", lat=GATE[0], lon=GATE[1], radius_m=200
    )
    shift = factories.make_shift(
        tree.community,
        starts_at=utcnow() - timedelta(minutes=60),
        hours=4,
        checkpoint=checkpoint,
        title="北门值守",
    )
    factories.make_signup(member, shift)
    seeded = {
        "shift": shift.id,
        "starts_at": shift.starts_at,
        "member": member.phone,
        "member_id": member.id,
        "staff": staff.phone,
    }
    committed.session.commit()
    committed.session.remove()
    return seeded


def _member_page(live, phone, duty):
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, duty["member"], factories.PASSWORD)
    page.goto(live + "/me/qr")
    expect(page.locator('[data-test="qr-name"]')).to_have_text("王小明")
    return page


def _staff_page(live, phone, duty, position=None):
    context = phone()
    if position is not None:
        context.grant_permissions(["geolocation"])
        context.set_geolocation({"latitude": position[0], "longitude": position[1]})
    page = context.new_page()
    page.goto(live + "/login")
    sign_in(page, live, duty["staff"], factories.PASSWORD)
    return context, page


def _payload(member_page):
    return member_page.locator("#my-qr").get_attribute("data-payload")


def _result(page):
    return page.locator('[data-test="scan-result"]')


def _rows(committed, model, shift_id):
    """The committed rows of `model` for the shift, read in a short transaction of its own
    (an open one would hold SQLite's lock against the live server)."""
    table = model.__table__
    with committed.engine.connect() as conn:
        return conn.execute(sa.select(table).where(table.c.shift_id == shift_id)).all()


@pytest.mark.e2e
def test_member_shows_code_staff_check_in_and_out(
    live, duty, phone, shot, app, monkeypatch, committed
):
    monkeypatch.setitem(app.config, "QR_ROTATE_S", 5)  # watch the code rotate

    # The member opens "my QR code": a large code with their name and masked phone.
    member = _member_page(live, phone, duty)
    expect(member.locator('[data-test="qr-phone"]')).to_have_text("138****5678")
    expect(member.locator("#my-qr-code svg")).to_be_visible()
    box = member.locator("#my-qr-code svg").bounding_box()
    assert box["width"] >= 300, box  # most of a phone's width, for a camera at arm's length
    shot(member, "my-qr")
    first = _payload(member)
    expect(member.locator("#my-qr")).not_to_have_attribute("data-payload", first, timeout=15_000)

    # Staff, on a second phone, pick today's shift at the gate.
    _context, staff = _staff_page(live, phone, duty, position=GATE)
    staff.goto(live + "/scanner")
    shot(staff, "scanner-pick")
    staff.locator('[data-test="pick-shift"]', has_text="北门值守").click()
    expect(staff.locator('[data-test="scanner-shift"]')).to_have_text("北门值守")
    expect(staff.locator("#geo-text")).to_contain_text("±")
    shot(staff, "scanner-ready")

    # Typed code + Enter: check-in, with the member's name shown large.
    staff.locator('[data-test="scan-input"]').fill(_payload(member))
    staff.locator('[data-test="scan-input"]').press("Enter")
    expect(_result(staff)).to_have_attribute("data-state", "check_in")
    expect(staff.locator('[data-test="scan-result-name"]')).to_have_text("王小明")
    expect(staff.locator("#count-on-site")).to_have_text("1")
    shot(staff, "checked-in")

    # The same code again at once: a harmless duplicate.
    staff.locator('[data-test="scan-input"]').fill(_payload(member))
    staff.locator('[data-test="scan-input"]').press("Enter")
    expect(_result(staff)).to_have_attribute("data-state", "duplicate")
    shot(staff, "duplicate")

    # After the duplicate window, a keyboard-wedge scanner types the code and Enter anywhere
    # on the page. (The member came at the shift's start an hour ago: the check-in is moved
    # back there, so the check-out credits an hour.)
    monkeypatch.setitem(app.config, "SCAN_DUPLICATE_S", 1)
    with committed.engine.begin() as conn:
        conn.execute(
            sa.update(Attendance)
            .where(Attendance.shift_id == duty["shift"])
            .values(checked_in_at=duty["starts_at"])
        )
    staff.wait_for_timeout(1200)
    staff.locator("h2").first.click()  # focus away from the code field
    staff.keyboard.type(_payload(member) + "\n")
    expect(_result(staff)).to_have_attribute("data-state", "check_out")
    expect(staff.locator('[data-test="scan-result-detail"]')).to_contain_text("60")
    expect(staff.locator("#count-on-site")).to_have_text("0")
    expect(staff.locator("#count-out")).to_have_text("1")
    expect(staff.locator('[data-test="recent-scan"]')).to_have_count(3)
    shot(staff, "checked-out")

    # The member sees the hour credited, on "my hours" and through the API.
    member.goto(live + "/hours")
    expect(member.locator('[data-test="balance-minutes"]')).to_contain_text("60")
    shot(member, "my-hours")
    token = member.request.post(
        live + "/api/v1/auth/tokens", data={"phone": duty["member"], "password": factories.PASSWORD}
    ).json()["token"]
    me = member.request.get(
        live + "/api/v1/members/me", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert me["balance_minutes"] == 60, me
    (attendance,) = _rows(committed, Attendance, duty["shift"])
    assert attendance.credited_minutes == 60 and attendance.checked_out_at is not None


@pytest.mark.e2e
def test_scans_made_offline_are_kept_and_sent_later(live, duty, phone, shot, committed):
    member = _member_page(live, phone, duty)
    context, staff = _staff_page(live, phone, duty)
    staff.goto(live + f"/scanner/{duty['shift']}")
    expect(_result(staff)).to_have_attribute("data-state", "ready")

    # The network drops; two scans (the second one a reflex) are kept on the phone.
    context.set_offline(True)
    payload = _payload(member)
    for _ in range(2):
        staff.locator('[data-test="scan-input"]').fill(payload)
        staff.locator('[data-test="scan-input"]').press("Enter")
    expect(_result(staff)).to_have_attribute("data-state", "waiting")
    expect(staff.locator('[data-test="waiting-count"]')).to_have_text("2")
    expect(staff.locator('[data-test="net-status"]')).to_have_class("badge text-bg-danger")
    expect(staff.locator('[data-test="recent-scan"][data-state="waiting"]')).to_have_count(2)
    shot(staff, "offline-waiting")
    assert _rows(committed, Scan, duty["shift"]) == []

    # Back online: sent in order with their scan ids, the answers replace "waiting".
    context.set_offline(False)
    expect(staff.locator('[data-test="waiting-count"]')).to_have_text("0", timeout=25_000)
    expect(_result(staff)).to_have_attribute("data-state", "duplicate")
    expect(staff.locator('[data-test="recent-scan"][data-state="check_in"]')).to_have_count(1)
    expect(staff.locator('[data-test="recent-scan"][data-state="duplicate"]')).to_have_count(1)
    shot(staff, "back-online")
    assert len(_rows(committed, Attendance, duty["shift"])) == 1
    scans = _rows(committed, Scan, duty["shift"])
    assert len(scans) == 2
    # Kept while offline, they went with offline: true and when the network was lost.
    assert all(s.offline_since is not None and s.offline_since <= s.scanned_at for s in scans)

    # A reload keeps the list, and nothing is sent twice.
    staff.reload()
    expect(staff.locator('[data-test="recent-scan"]')).to_have_count(2)
    expect(staff.locator('[data-test="waiting-count"]')).to_have_text("0")
    assert len(_rows(committed, Scan, duty["shift"])) == 2


@pytest.mark.e2e
def test_scan_outside_the_geofence_needs_a_reason(live, duty, phone, shot, committed):
    member = _member_page(live, phone, duty)
    _context, staff = _staff_page(live, phone, duty, position=FAR)
    staff.goto(live + f"/scanner/{duty['shift']}")
    expect(staff.locator("#geo-text")).to_contain_text("±")
    staff.locator('[data-test="scan-input"]').fill(_payload(member))
    staff.locator('[data-test="scan-input"]').press("Enter")
    expect(_result(staff)).to_have_attribute("data-state", "refused")
    expect(_result(staff)).to_have_attribute("data-code", "outside_geofence")
    expect(staff.locator('[data-test="scan-result-name"]')).to_have_text("王小明")
    expect(staff.locator('[data-test="override-form"]')).to_be_visible()
    shot(staff, "refused-outside")

    staff.locator("#override-reason").fill("成员在南侧临时通道")
    staff.locator('[data-test="override-submit"]').click()
    expect(_result(staff)).to_have_attribute("data-state", "check_in")
    expect(staff.locator('[data-test="override-form"]')).to_be_hidden()
    shot(staff, "override-checked-in")
    (attendance,) = _rows(committed, Attendance, duty["shift"])
    assert attendance.outside_geofence_override
    assert attendance.override_reason == "成员在南侧临时通道"
    scans = _rows(committed, Scan, duty["shift"])
    assert len({s.scan_id for s in scans}) == 2  # the override was a scan of its own
    assert [s.offline_since for s in scans] == [None, None]  # sent live: no offline claim


def _qr_video(path, payload, frames=20):
    """A short Y4M clip of `payload` as a QR code, for Chromium's fake camera."""
    import qrcode
    from PIL import Image

    width, height = 640, 480
    code = qrcode.QRCode(border=4, box_size=8)
    code.add_data(payload)
    code.make(fit=True)
    picture = code.make_image().get_image().convert("L")
    frame = Image.new("L", (width, height), 255)
    frame.paste(picture, ((width - picture.width) // 2, (height - picture.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (width * height // 4)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.mark.e2e
def test_camera_reads_the_code(live, duty, pw, shot, committed, tmp_path):
    from timebank.members.models import Member

    from .conftest import CHROMIUM, CHROMIUM_ARGS, PHONE

    member = committed.session.get(Member, duty["member_id"])
    clip = tmp_path / "qr.y4m"
    _qr_video(clip, factories.qr_for(member, utcnow()))
    committed.session.remove()
    camera_args = [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={clip}",
    ]
    browser = pw.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS + camera_args, headless=True
    )
    try:
        context = browser.new_context(**pw.devices[PHONE], locale="zh-CN")
        context.grant_permissions(["camera"])
        staff = context.new_page()
        errors = []
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        staff.goto(live + "/login")
        sign_in(staff, live, duty["staff"], factories.PASSWORD)
        staff.goto(live + f"/scanner/{duty['shift']}")
        staff.locator('[data-test="camera-toggle"]').click()
        expect(staff.locator("#camera-view")).to_be_visible()
        expect(_result(staff)).to_have_attribute("data-state", "check_in", timeout=15_000)
        expect(staff.locator('[data-test="scan-result-name"]')).to_have_text("王小明")
        staff.wait_for_timeout(1000)  # the code stays in view: it is not sent again
        shot(staff, "camera-checked-in")
        assert errors == []
    finally:
        browser.close()
    assert len(_rows(committed, Scan, duty["shift"])) == 1
    assert len(_rows(committed, Attendance, duty["shift"])) == 1
