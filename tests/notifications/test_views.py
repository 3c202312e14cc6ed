import re
from datetime import UTC, datetime, timedelta

from tests.notifications.conftest import (
    ABOUT_MEMBER,
    APPROVED,
    NOTE,
    TO_MY_PAGE,
    URGENT_TO_INBOX,
    note,
)
from timebank.notifications import services
from timebank.notifications.models import Notification

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def _notify(member, title="通知", minutes=0, *, notice=NOTE, body="正文", subject_id=None):
    return note(
        member,
        title,
        body,
        notice=notice,
        subject_id=subject_id,
        now=NOW + timedelta(minutes=minutes),
    )


def test_inbox_lists_newest_first_and_highlights_unread(people, login, db):
    _notify(people.member, "旧通知", 0)
    read = _notify(people.member, "已读通知", 1)
    _notify(people.member, "新通知", 2, notice=TO_MY_PAGE)
    _notify(people.neighbour, "别人的通知", 3)
    services.mark_read(people.member, read, now=NOW)

    html = login(people.member).get("/inbox").get_data(as_text=True)
    assert html.index("新通知") < html.index("已读通知") < html.index("旧通知")
    assert "别人的通知" not in html
    assert html.count('data-unread="true"') == 2 and html.count('data-unread="false"') == 1
    assert 'data-test="open"' in html  # the one with a link can be opened


def test_unread_filter(people, login, db):
    _notify(people.member, "未读的")
    services.mark_read(people.member, _notify(people.member, "读过的"), now=NOW)
    html = login(people.member).get("/inbox?unread=1").get_data(as_text=True)
    assert "未读的" in html and "读过的" not in html


def test_bell_shows_the_unread_count_on_every_page(people, login, db):
    client = login(people.member)
    html = client.get("/").get_data(as_text=True)
    assert 'data-test="inbox-bell"' in html and 'data-test="inbox-unread"' not in html
    for i in range(3):
        _notify(people.member, f"n{i}")
    for path in ("/", "/inbox", f"/members/{people.member.id}"):
        html = client.get(path).get_data(as_text=True)
        badge = re.search(r'data-test="inbox-unread">(\d+)<', html)
        assert badge and badge.group(1) == "3", path


def test_no_bell_for_visitors(client, db):
    assert 'data-test="inbox-bell"' not in client.get("/").get_data(as_text=True)
    response = client.get("/inbox")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_urgent_notice_is_a_banner_on_every_page_until_read(people, login, db):
    urgent = _notify(
        people.member,
        "紧急集合：黄阁卡口",
        notice=URGENT_TO_INBOX,
        body="请30分钟内到岗",
    )
    _notify(people.member, "普通通知")
    client = login(people.member)
    for path in ("/", f"/members/{people.member.id}", "/inbox", "/password"):
        html = client.get(path).get_data(as_text=True)
        assert html.count('data-test="urgent-notice"') == 1, path
        banner = html[html.index('data-test="urgent-notice"') :]
        banner = banner[: banner.index("</form>")]
        assert "紧急集合：黄阁卡口" in banner and "请30分钟内到岗" in banner
        assert 'href="/inbox"' in banner and "普通通知" not in banner
        assert f'action="/inbox/{urgent.id}/read"' in banner and 'name="csrf_token"' in banner

    response = client.post(f"/inbox/{urgent.id}/read", data={"next": "/password"})
    assert response.status_code == 302 and response.headers["Location"] == "/password"
    assert 'data-test="urgent-notice"' not in client.get("/").get_data(as_text=True)
    assert db.session.get(Notification, urgent.id).read_at is not None


def test_someone_elses_notification_cannot_be_marked_or_opened(people, login, db):
    theirs = _notify(people.neighbour, "别人的", notice=TO_MY_PAGE)
    client = login(people.member)
    assert client.post(f"/inbox/{theirs.id}/read").status_code == 404
    assert client.post(f"/inbox/{theirs.id}/open").status_code == 404
    assert client.post("/inbox/999999/read").status_code == 404
    assert db.session.get(Notification, theirs.id).read_at is None


def test_open_marks_read_and_goes_to_the_link(people, login, db):
    notification = _notify(people.member, notice=ABOUT_MEMBER, subject_id=people.member.id)
    response = login(people.member).post(f"/inbox/{notification.id}/open")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/members/{people.member.id}"
    assert db.session.get(Notification, notification.id).read_at is not None


def test_next_must_stay_on_this_site(people, login, db):
    notification = _notify(people.member)
    response = login(people.member).post(
        f"/inbox/{notification.id}/read", data={"next": "//evil.example/"}
    )
    assert response.headers["Location"] == "/inbox"


def test_mark_all_read(people, login, db):
    for i in range(2):
        _notify(people.member, f"n{i}")
    theirs = _notify(people.neighbour)
    client = login(people.member)
    response = client.post("/inbox/read-all", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "已将 2 条通知标为已读。" in html
    assert 'data-unread="true"' not in html and 'data-test="inbox-unread"' not in html
    assert db.session.get(Notification, theirs.id).read_at is None


def test_inbox_pages(people, login, db):
    for i in range(25):
        _notify(people.member, f"第{i}条", i)
    client = login(people.member)
    first = client.get("/inbox").get_data(as_text=True)
    assert "第24条" in first and "第5条" in first and "第4条" not in first
    second = client.get("/inbox?page=2").get_data(as_text=True)
    assert "第4条" in second and "第0条" in second and "第5条" not in second


def test_inbox_and_its_items_are_in_the_interface_language(people, login, db):
    people.member.locale = "en"
    services.notify(people.member, APPROVED, params={"name": "Wang"}, now=NOW)
    client = login(people.member)
    client.post("/lang/zh_CN", data={"next": "/inbox"})  # the page in Chinese …
    html = client.get("/inbox").get_data(as_text=True)
    assert "全部标为已读" in html and "消息" in html
    assert "已审核通过Wang。" in html and "Wang is approved." not in html  # … and the notice
    client.post("/lang/en", data={"next": "/inbox"})
    html = client.get("/inbox").get_data(as_text=True)
    assert "Mark all as read" in html and "全部标为已读" not in html
    assert "Wang is approved." in html
