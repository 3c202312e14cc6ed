import csv
import io
from datetime import UTC, datetime

import openpyxl
import pytest

from tests.factories import make_shift
from timebank.certificates import export
from timebank.core.errors import NotAllowed, NotFound, ValidationFailed
from timebank.ledger.services import adjust

from .conftest import NOW

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]


@pytest.fixture
def hostile(people, tree):
    """Shifts whose titles a spreadsheet would run as formulas."""
    for i, title in enumerate(HOSTILE):
        shift = make_shift(
            tree.community, starts_at=datetime(2026, 6, 12 + i, 1, 0, tzinfo=UTC), title=title
        )
        adjust(
            people.coordinator, people.member, minutes=30, reason="x", shift_id=shift.id, now=NOW
        )


def _csv(rows):
    text = "".join(export.csv_chunks(rows, every=2))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(rows):
    data = b"".join(export.xlsx_chunks(rows, every=2))
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[c.value for c in row] for row in sheet.iter_rows()], sheet


def test_member_csv_has_the_national_columns_and_no_lectures(people, served):
    table = _csv(export.member_rows(people.member, people.member, *JUNE))
    assert table[0] == list(export.COLUMNS)
    assert [r[2] for r in table[1:]] == ["卡口值守", "入户宣传"]
    assert table[1][:2] == ["王小明", "金洲社区"] and table[1][3] == "2026-06-03"
    assert (table[1][4], table[1][5], table[1][6]) == ("09:00", "13:00", "3.0")


def test_formula_injection_is_escaped_in_csv(people, hostile):
    titles = [r[2] for r in _csv(export.member_rows(people.member, people.member, *JUNE))[1:]]
    assert titles == ["'" + t for t in HOSTILE]


def test_formula_injection_is_escaped_in_xlsx(people, hostile, tree):
    for rows in (
        export.member_rows(people.member, people.member, *JUNE),
        export.unit_rows(people.coordinator, tree.community, *JUNE),
    ):
        table, sheet = _xlsx(rows)
        assert table[0] == list(export.COLUMNS)
        assert [r[2] for r in table[1:]] == HOSTILE
        for row in sheet.iter_rows(min_row=2):
            assert row[2].data_type == "s" and row[2].quotePrefix
        assert table[1][6] == 0.5


def test_unit_export_and_rights(people, served, tree):
    table = _csv(export.unit_rows(people.organiser, tree.town, *JUNE))
    assert len(table) == 3
    with pytest.raises(NotAllowed):
        export.unit_rows(people.far_coordinator, tree.community, *JUNE)
    with pytest.raises(NotAllowed):
        export.unit_rows(people.member, tree.community, *JUNE)
    with pytest.raises(NotFound):
        export.member_rows(people.neighbour, people.member, *JUNE)
    with pytest.raises(NotFound):
        export.member_rows(people.far_coordinator, people.member, *JUNE)
    assert len(list(export.member_rows(people.coordinator, people.member, *JUNE))) == 2
    with pytest.raises(ValidationFailed):
        export.member_rows(people.member, people.member, JUNE[1], JUNE[0])


def test_download_pages(login, people, served, tree, client):
    login(people.member)
    r = client.get(
        f"/records/members/{people.member.id}.csv?from=2026-06-01&to=2026-06-30", buffered=True
    )
    assert r.status_code == 200 and "卡口值守" in r.get_data(as_text=True)
    bad = client.get(f"/records/members/{people.member.id}.csv?from=x&to=y")
    assert bad.status_code == 302 and bad.location.endswith("/certificates")
    unit = f"/records/units/{tree.community.id}.csv?from=2026-06-01&to=2026-06-30"
    assert client.get(unit).status_code == 403
    assert client.get(f"/records/members/{people.neighbour.id}.csv?from=x").status_code == 404
    login(people.coordinator)
    r = client.get(
        f"/records/units/{tree.community.id}.xlsx?from=2026-06-01&to=2026-06-30", buffered=True
    )
    assert r.status_code == 200 and r.data[:2] == b"PK"


def test_certificate_page_links_the_periods_records(login, people, served, client, db):
    from timebank.certificates import services

    cert = services.issue(people.member, people.member, first=JUNE[0], last=JUNE[1])
    db.session.flush()
    link = f"/records/members/{people.member.id}.xlsx?from=2026-06-01&amp;to=2026-06-30"
    for who in (people.member, people.coordinator):
        assert link in login(who).get(f"/certificates/{cert.serial}").get_data(as_text=True)


def test_page_links(login, people, tree, client):
    page = login(people.member).get("/certificates").get_data(as_text=True)
    assert f"/records/members/{people.member.id}.csv" in page
    assert f"/records/members/{people.member.id}.xlsx" in page
    page = login(people.coordinator).get("/certificates/register").get_data(as_text=True)
    assert f"/records/units/{tree.community.id}.xlsx" in page and "/certificates/issue" in page


JUNE = (datetime(2026, 6, 1).date(), datetime(2026, 6, 30).date())


def test_download_pages_are_rate_limited(login, people, served, client, rate_limits):
    login(people.member)
    path = f"/records/members/{people.member.id}.csv?from=2026-06-01&to=2026-06-30"
    codes = [client.get(path, buffered=True).status_code for _ in range(21)]
    assert codes[:20] == [200] * 20 and codes[20] == 429
