"""The audit log in words: filters, keyset pages, CSV export made safe for spreadsheets."""

import csv
import io
import re
from datetime import timedelta

from tests.factories import make_member
from timebank.audit.exports import row_cells
from timebank.audit.models import AuditEntry
from timebank.audit.queries import AuditFilter, list_entries
from timebank.audit.services import record
from timebank.auth.services import grant_role
from timebank.core.clock import local, utcnow
from timebank.members.services import approve_member, suspend_member


def test_entries_read_as_words_not_codes(tree, people, login):
    approve_member(people.coordinator, people.pending)
    grant_role(people.admin, member=people.member, role="staff", unit=tree.community)
    html = login(people.organiser).get("/admin/audit").get_data(as_text=True)
    assert "批准了注册申请" in html and "授予角色" in html
    listed = html[html.index('data-test="audit-list"') :]
    assert "member.approve" not in listed and "<code>" not in listed and "{&#34;" not in listed
    assert people.pending.name in html  # to whom
    assert people.coordinator.name in html  # who


def _actions(html):
    return re.findall(r'data-test="audit-action">([^<]+)<', html)


def test_the_log_shows_only_the_viewers_scope(tree, people, login):
    approve_member(people.coordinator, people.pending)
    suspend_member(people.far_coordinator, people.far_member, reason="远方")
    html = login(people.organiser).get("/admin/audit").get_data(as_text=True)
    assert _actions(html) == ["批准了注册申请"]
    html = login(people.admin).get("/admin/audit").get_data(as_text=True)
    assert _actions(html) == ["停用了成员", "批准了注册申请"]


def test_filters_by_date_person_unit_and_action(tree, people, db):
    now = utcnow()
    old = record(
        people.coordinator,
        "member.approve",
        people.member,
        unit_id=tree.community.id,
        now=now - timedelta(days=10),
    )
    near = record(
        people.coordinator, "member.approve", people.pending, unit_id=tree.community.id, now=now
    )
    other = record(people.organiser, "unit.create", tree.sibling, unit_id=tree.sibling.id, now=now)

    def ids(**wanted):
        return [e.id for e in list_entries(people.admin, AuditFilter(**wanted))[0]]

    today = local(now).date()
    assert ids(day_from=today - timedelta(days=1)) == [other.id, near.id]
    assert ids(day_to=today - timedelta(days=5)) == [old.id]
    assert ids(action="unit.create") == [other.id]
    assert ids(person=people.pending.name) == [near.id]  # the member acted on
    assert ids(person=people.organiser.phone[-6:]) == [other.id]  # who acted
    assert ids(unit=tree.sibling) == [other.id]
    assert set(ids(unit=tree.town)) == {old.id, near.id, other.id}
    assert ids(person="%") == []


def test_pages_are_stable_when_entries_are_added(tree, people, db):
    made = [
        record(people.coordinator, "member.approve", people.member, unit_id=tree.community.id)
        for _ in range(5)
    ]
    first, before = list_entries(people.admin, size=2)
    assert [e.id for e in first] == [made[4].id, made[3].id]
    record(people.coordinator, "member.approve", people.member, unit_id=tree.community.id)
    second, before = list_entries(people.admin, before=before, size=2)
    assert [e.id for e in second] == [made[2].id, made[1].id]
    third, before = list_entries(people.admin, before=before, size=2)
    assert [e.id for e in third] == [made[0].id] and before is None


def test_the_page_links_older_entries_and_refuses_bad_dates(tree, people, login, db):
    for _ in range(55):
        record(people.coordinator, "member.approve", people.member, unit_id=tree.community.id)
    client = login(people.organiser)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert html.count('data-test="audit-row"') == 50
    older = re.search(r'href="([^"]+)" rel="next" data-test="audit-older"', html).group(1)
    html = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert html.count('data-test="audit-row"') == 5 and "audit-older" not in html
    bad = client.get("/admin/audit?day_from=2026-05-02&day_to=2026-05-01")
    assert bad.status_code == 200 and "is-invalid" in bad.get_data(as_text=True)
    assert client.get("/admin/audit?day_from=x&person=%00").status_code == 200


def test_csv_export_has_a_bom_words_and_safe_cells(tree, people, login, db):
    evil = make_member(tree.community, name="=HYPERLINK(1)")
    suspend_member(people.coordinator, evil, reason="+1 @home -x")
    response = login(people.organiser).get("/admin/audit.csv?action=member.suspend", buffered=True)
    body = response.get_data()
    assert response.mimetype == "text/csv" and body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0][:3] == ["时间", "操作人", "发生了什么"]
    assert len(rows) == 2
    when, who, what, whom, unit, details = rows[1]
    assert what == "停用了成员" and whom == "'=HYPERLINK(1)" and unit == tree.community.name
    assert details.startswith("原因：+1 @home")


def test_every_cell_that_looks_like_a_formula_is_escaped(tree, people, db):
    entry = AuditEntry(
        action="member.suspend",
        target_type="Member",
        target_id=None,
        details={},
        created_at=utcnow(),
    )

    class Item:
        pass

    for start in ("=", "+", "-", "@", "\t", "\r"):
        item = Item()
        item.entry, item.action, item.target = entry, "x", start + "1"
        item.details = [("原因", start + "2")]
        cells = row_cells(item, system=start + "sys")
        assert cells[1] == "'" + start + "sys" and cells[3] == "'" + start + "1"
