"""GET /api/v1/members/{id}/records and /api/v1/units/{id}/records (SPEC 8)."""

import csv
import io
from datetime import UTC, datetime

import openpyxl

from tests.factories import make_shift
from timebank.certificates import export
from timebank.ledger.services import adjust

from .conftest import NOW
from .test_export import HOSTILE

JUNE = "from=2026-06-01&to=2026-06-30"


def _table(r):
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    text = r.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_member_records_csv_and_xlsx(api, people, served):
    r = api(people.member).get(f"/members/{people.member.id}/records?{JUNE}", buffered=True)
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    table = _table(r)
    assert table[0] == list(export.COLUMNS)
    assert [row[2] for row in table[1:]] == ["卡口值守", "入户宣传"]  # no lecture
    r = api(people.coordinator).get(
        f"/members/{people.member.id}/records?{JUNE}&format=xlsx", buffered=True
    )
    assert r.status_code == 200 and r.data[:2] == b"PK"
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0] == list(export.COLUMNS) and rows[1][6] == 3


def test_unit_records(api, people, served, tree):
    table = _table(
        api(people.organiser).get(f"/units/{tree.town.id}/records?{JUNE}", buffered=True)
    )
    assert len(table) == 3
    table = _table(
        api(people.coordinator).get(f"/units/{tree.community.id}/records?{JUNE}", buffered=True)
    )
    assert [row[0] for row in table[1:]] == ["王小明", "王小明"]


def test_rights_before_fields(api, people, served, tree):
    member = f"/members/{people.member.id}/records"
    unit = f"/units/{tree.community.id}/records"
    assert api().get(f"{member}?{JUNE}").status_code == 401
    for who in (people.neighbour, people.staff, people.far_coordinator):
        r = api(who).get(f"{member}?from=bad")
        assert r.status_code == 404 and r.json["error"]["code"] == "member_not_found"
    for who in (people.member, people.staff, people.far_coordinator):
        assert api(who).get(f"{unit}?from=bad").status_code == 403
    assert api(people.coordinator).get(f"/units/999999/records?{JUNE}").status_code == 404
    assert api(people.member).get(f"/members/999999/records?{JUNE}").status_code == 404
    assert api(people.pending).get(f"/members/{people.pending.id}/records").status_code == 403


def test_bad_fields(api, people, served):
    member = f"/members/{people.member.id}/records"
    r = api(people.member).get(f"{member}?from=2026-06-30&to=2026-06-01")
    assert r.status_code == 422 and "to" in r.json["error"]["fields"]
    r = api(people.member).get(f"{member}?from=2026-02-30&to=x&format=pdf")
    assert r.status_code == 422
    assert set(r.json["error"]["fields"]) == {"from", "to", "format"}
    r = api(people.member).get(member)
    assert r.status_code == 422 and set(r.json["error"]["fields"]) == {"from", "to"}
    for hostile in ("%00", "%ED%A0%80", "99999999999999999999", "0001-01-01"):
        assert api(people.member).get(f"{member}?from={hostile}&to={hostile}").status_code == 422


def test_formula_injection_over_the_api(api, people, tree):
    for i, title in enumerate(HOSTILE):
        shift = make_shift(
            tree.community, starts_at=datetime(2026, 6, 12 + i, 1, 0, tzinfo=UTC), title=title
        )
        adjust(
            people.coordinator, people.member, minutes=30, reason="x", shift_id=shift.id, now=NOW
        )
    table = _table(
        api(people.member).get(f"/members/{people.member.id}/records?{JUNE}", buffered=True)
    )
    assert [row[2] for row in table[1:]] == ["'" + t for t in HOSTILE]
    r = api(people.coordinator).get(
        f"/units/{tree.community.id}/records?{JUNE}&format=xlsx", buffered=True
    )
    sheet = openpyxl.load_workbook(io.BytesIO(r.data)).active
    cells = [row[2] for row in sheet.iter_rows(min_row=2)]
    assert [c.value for c in cells] == HOSTILE
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


def test_records_are_rate_limited(api, people, served, rate_limits):
    path = f"/members/{people.member.id}/records?{JUNE}"
    codes = [api(people.member).get(path, buffered=True).status_code for _ in range(22)]
    assert codes[:20] == [200] * 20 and codes[20:] == [429, 429]
