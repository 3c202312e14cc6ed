"""Exports of rankings, read back with the csv module and openpyxl."""

import csv
import io
import zipfile
from datetime import timedelta
from urllib.parse import quote

import openpyxl
import pytest
import sqlalchemy as sa

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.ledger.services import adjust, reverse
from timebank.members.models import Member
from timebank.mobilisation.models import Callout, Invitation
from timebank.rankings import exports, xlsx
from timebank.rankings.models import RankingTotal
from timebank.rankings.queries import ranking
from timebank.rankings.totals import period_keys

#: A members' ranking where nobody was ever called out: no response-rate column.
HEADER = [
    "Rank",
    "Name",
    "Community",
    "Town",
    "Minutes",
    "Hours",
    "Shifts served",
    "Ranked within",
    "Period",
    "Dates",
]
#: A towns' ranking: the town's name under "Town"; no member name, community or rate.
TOWN_HEADER = [
    "Rank",
    "Town",
    "Minutes",
    "Hours",
    "Shifts served",
    "Ranked within",
    "Period",
    "Dates",
]


def _give(actor, member, minutes):
    return adjust(actor, member, minutes=minutes, reason="测试", now=utcnow())


@pytest.fixture
def english(people):
    """The viewers read English (the msgids), so the header can be compared as text."""
    for person in (people.admin, people.organiser, people.coordinator, people.member):
        person.locale = "en"
    db.session.flush()


@pytest.fixture
def scores(tree, people, english):
    a = make_member(tree.community, name='=HYPERLINK("http://x","点我")')
    b = make_member(tree.community, name="@SUM(A1)")
    c = make_member(tree.sibling, name="-2+3")
    _give(people.coordinator, people.member, 150)
    _give(people.coordinator, a, 120)
    _give(people.coordinator, b, 120)
    _give(people.organiser, c, 60)
    wrong = _give(people.coordinator, people.neighbour, 999)
    reverse(people.coordinator, wrong, reason="录错了")
    return a, b, c


def _csv(response) -> list[list[str]]:
    """The rows of a CSV answer (fetch it with buffered=True: the body is streamed)."""
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "UTF-8 BOM first, for Excel"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_of_members_has_header_bom_names_and_safe_cells(tree, people, login, scores):
    key = period_keys(utcnow())["month"]
    response = login(people.organiser).get(
        f"/rankings/export.csv?by=member&period=month&unit_id={tree.town.id}&limit=all",
        buffered=True,
    )
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = _csv(response)
    assert rows[0] == HEADER
    assert rows[1] == [
        *("1", "王小明", "金洲社区", "黄阁镇", "150", "2.5", "0"),
        *("黄阁镇", "Month", exports.period_dates("month", utcnow())),
    ]
    assert rows[1][-1].startswith(key + "-01 – " + key + "-")  # the month's first and last day
    assert rows[2][:2] == ["2", '\'=HYPERLINK("http://x","点我")']
    assert rows[3][:2] == ["2", "'@SUM(A1)"]  # a tie shares the rank
    assert rows[4][:5] == ["4", "'-2+3", "黄阁社区", "黄阁镇", "60"]
    assert len(rows) == 5  # the reversed 999 minutes are not there
    names = [r[1] for r in rows[1:]]
    assert not any(n[0] in "=+-@" for n in names)


def test_csv_file_name_carries_the_filters(tree, people, login, scores):
    key = period_keys(utcnow())["month"]
    response = login(people.admin).get(
        f"/rankings/export.csv?by=member&period=month&unit_id={tree.district.id}", buffered=True
    )
    disposition = response.headers["Content-Disposition"]
    full = f"ranking_member_month_{key}_南沙区.csv"
    assert f'filename="ranking_member_month_{key}_T-NS.csv"' in disposition
    assert f"filename*=UTF-8''{quote(full)}" in disposition
    assert disposition.startswith("attachment;")
    assert response.headers["Cache-Control"] == "private, no-store"
    disposition.encode("latin-1")  # headers stay ASCII


def test_xlsx_of_towns_reads_back_with_openpyxl(tree, people, login, scores):
    _give(people.far_coordinator, people.far_member, 30)
    key = period_keys(utcnow())["month"]
    response = login(people.admin).get(
        f"/rankings/export.xlsx?by=town&period=month&unit_id={tree.district.id}&limit=50"
    )
    assert response.status_code == 200
    assert response.mimetype == exports_mimetype()
    assert f"ranking_town_month_{key}_T-NS.xlsx" in response.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    sheet = book.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == TOWN_HEADER
    dates = exports.period_dates("month", utcnow())
    assert rows[1] == [1, "黄阁镇", 450, 7.5, 0, "南沙区", "Month", dates]
    assert rows[2] == [2, "大岗镇", 30, 0.5, 0, "南沙区", "Month", dates]
    assert len(rows) == 3
    assert sheet["D2"].number_format == "0.00"
    assert sheet.title == f"Towns {key}"


def test_xlsx_of_members_keeps_formulas_as_text(tree, people, login, scores):
    """The names as they are, without the CSV's apostrophe: typed string cells (never a
    formula) with Excel's quote prefix, so editing them keeps them text."""
    response = login(people.coordinator).get("/rankings/export.xlsx?by=member&period=all")
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    names = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert names == ["王小明", '=HYPERLINK("http://x","点我")', "@SUM(A1)"]
    for row in sheet.iter_rows(min_row=2):
        assert row[1].data_type == "s"  # a string, never a formula
        assert row[1].quotePrefix == (row[1].value != "王小明")
        assert row[7].value == "金洲社区" and not row[7].quotePrefix


def test_a_member_named_like_a_formula_in_both_files(tree, people, login, english):
    """CSV: "'=1+1" (the guard); XLSX: "=1+1", a string cell, not a formula."""
    _give(people.coordinator, make_member(tree.community, name="=1+1"), 30)
    client = login(people.coordinator)
    rows = _csv(client.get("/rankings/export.csv?by=member&period=all", buffered=True))
    assert [r[1] for r in rows[1:]] == ["'=1+1"]
    sheet = _read_xlsx(client.get("/rankings/export.xlsx?by=member&period=all").get_data())
    cell = sheet["B2"]
    assert (cell.value, cell.data_type, cell.quotePrefix) == ("=1+1", "s", True)
    assert sheet.max_row == 2


def test_xlsx_writes_a_formula_like_unit_name_as_text(tree):
    tree.district.name = "-南沙区"
    rows = [exports.ExportRow(1, "+86 138", "", "", 60, 1, None)]
    export = exports.Export("member", "month", "2026-11", tree.district, iter(rows))
    sheet = _read_xlsx(xlsx.xlsx_bytes(export))
    assert [(c.value, c.data_type, c.quotePrefix) for c in (sheet["B2"], sheet["I2"])] == [
        ("+86 138", "s", True),
        ("-南沙区", "s", True),
    ]


def _callout(tree, now, title):
    callout = Callout(
        unit_id=tree.community.id,
        kind="vanguard",
        title=title,
        lat=22.8,
        lon=113.5,
        radius_km=5,
        needed=3,
        team_size=1,
        respond_within_s=300,
        starts_at=now,
    )
    db.session.add(callout)
    db.session.flush()
    return callout


def test_response_rate_is_answered_of_asked(tree, people, login, api, english):
    _give(people.coordinator, people.member, 60)
    now = utcnow()
    for n, status in enumerate(("accepted", "declined", "expired", "pending")):
        db.session.add(
            Invitation(
                callout_id=_callout(tree, now, f"测试{n}").id,
                member_id=people.member.id,
                status=status,
                wave=1,
                distance_m=100,
                sent_at=now,
                expires_at=now + timedelta(minutes=5),
            )
        )
    db.session.flush()
    rows = _csv(login(people.coordinator).get("/rankings/export.csv", buffered=True))
    assert rows[1][7] == "67%"  # 2 answered of 3 asked; the pending one is not counted yet
    sheet = openpyxl.load_workbook(
        io.BytesIO(login(people.coordinator).get("/rankings/export.xlsx").get_data())
    ).worksheets[0]
    assert sheet["H2"].value == pytest.approx(2 / 3) and sheet["H2"].number_format == "0%"
    page = login(people.coordinator).get("/rankings").get_data(as_text=True)
    assert "67%" in page
    items = api(people.coordinator).get("/rankings").json["items"]
    assert items[0]["response_rate"] == pytest.approx(2 / 3)  # the same rate in the API


def test_exports_respect_the_limit(tree, people, login, scores):
    client = login(people.organiser)
    town = f"by=member&period=month&unit_id={tree.town.id}"
    assert len(_csv(client.get(f"/rankings/export.csv?{town}&limit=10", buffered=True))) == 5
    two = _csv(client.get(f"/rankings/export.csv?{town}&limit=200", buffered=True))
    assert len(two) == 5
    assert client.get(f"/rankings/export.csv?{town}&limit=501", buffered=True).status_code == 400


def test_export_rows_streams_every_row_past_the_page_cap(tree, people, monkeypatch):
    """1,200 members (more than ranking()'s 500) in batches of 100: ranks as ranking() gives
    them, ties included, and every row exactly once."""
    monkeypatch.setattr(exports, "BATCH", 100)
    key = period_keys(utcnow())["month"]
    ids = db.session.scalars(
        sa.insert(Member).returning(Member.id, sort_by_parameter_order=True),
        [
            dict(
                name=f"批量{n}",
                phone=f"1390{n:07d}",
                password_hash="x",
                community_id=tree.community.id,
                status="active",
            )
            for n in range(1200)
        ],
    ).all()
    db.session.execute(
        sa.insert(RankingTotal),
        [
            dict(
                subject="member",
                subject_id=ids[n],
                period="month",
                period_key=key,
                minutes=1000 - n // 2,  # pairs tie
                shifts=1,
                community_id=tree.community.id,
                town_id=tree.town.id,
            )
            for n in range(1200)
        ],
    )
    export = exports.export_rows(people.coordinator, by="member", unit=tree.community, now=utcnow())
    rows = list(export.rows)
    assert len(rows) == 1200
    assert [r.rank for r in rows[:4]] == [1, 1, 3, 3] and rows[-1].rank == 1199
    assert len({r.name for r in rows}) == 1200
    page = ranking(people.coordinator, unit=tree.community, limit=500, now=utcnow()).rows
    assert [(r.rank, r.name) for r in page] == [(r.rank, r.name) for r in rows[:500]]


def _read_xlsx(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]


def test_xlsx_rows_carry_any_text_and_the_sheet_keeps_its_layout(tree):
    """Rows are written past openpyxl: markup characters, edge spaces and characters XML
    cannot carry must still read back as text, and the header stays bold and frozen."""
    rows = [
        exports.ExportRow(1, "A & B <b>x</b>", "社区>1", "  镇  ", 90, 3, 0.5),
        exports.ExportRow(2, "控制\x01字符\x1f", "", "", 30, 1, None),
    ]
    export = exports.Export("member", "month", "2026-11", tree.district, iter(rows))
    data = xlsx.xlsx_bytes(export)
    with zipfile.ZipFile(io.BytesIO(data)) as book:
        part = book.read("xl/worksheets/sheet1.xml").decode()
    assert '<t xml:space="preserve">  镇  </t>' in part  # Excel trims the text otherwise
    sheet = _read_xlsx(data)
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[1][:8] == [1, "A & B <b>x</b>", "社区>1", "  镇  ", 90, 1.5, 3, 0.5]
    assert sheet["I2"].value == "南沙区" and sheet["K3"].value == "2026-11"
    assert values[2][:8] == [2, "控制字符", None, None, 30, 0.5, 1, None]
    assert len(values) == 3
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet.column_dimensions["B"].width == 16
    assert (sheet["F2"].number_format, sheet["H2"].number_format) == ("0.00", "0%")
    assert sheet["F3"].number_format == "0.00" and sheet["E2"].number_format == "General"


def test_xlsx_of_many_rows_equals_the_rows(tree, people, monkeypatch):
    """2,500 rows, more than one chunk of the sheet: every row, in order, once."""
    rows = [
        exports.ExportRow(n + 1, f"成员{n}", "金洲社区", "黄阁镇", 5000 - n, n % 7, None)
        for n in range(2500)
    ]
    export = exports.Export("member", "all", "all", tree.district, iter(rows))
    sheet = _read_xlsx(xlsx.xlsx_bytes(export))
    got = [r[:5] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert got == [(r.rank, r.name, r.community, r.town, r.minutes) for r in rows]


def test_export_rows_checks_scope_before_reading(tree, people):
    from timebank.core.errors import NotAllowed, ValidationFailed

    with pytest.raises(NotAllowed):
        exports.export_rows(people.coordinator, unit=tree.far, now=utcnow())
    with pytest.raises(ValidationFailed):
        exports.export_rows(people.coordinator, limit=0, now=utcnow())


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+86 138", "'+86 138"),
        ("-5", "'-5"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("王小明", "王小明"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_safe_text_defeats_formula_injection(text, safe):
    assert exports.safe_text(text) == safe


def test_file_names_have_a_readable_and_an_ascii_form(tree):
    export = exports.Export("town", "quarter", "2026-Q1", tree.district, iter(()))
    assert exports.file_names(export, "csv") == (
        "ranking_town_quarter_2026-Q1_南沙区.csv",
        "ranking_town_quarter_2026-Q1_T-NS.csv",
    )
    tree.district.name = "南沙/区 :*?"
    assert exports.file_names(export, "xlsx")[0] == "ranking_town_quarter_2026-Q1_南沙_区.xlsx"


def exports_mimetype():
    return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# Columns named for what they hold (issue 17) ---------------------------------------------


def test_a_communities_export_puts_each_name_under_community(tree, people, login, scores):
    response = login(people.organiser).get(
        f"/rankings/export.csv?by=community&period=month&unit_id={tree.town.id}", buffered=True
    )
    rows = _csv(response)
    assert rows[0][:3] == ["Rank", "Community", "Town"] and "Name" not in rows[0]
    assert "Call-out response rate" not in rows[0]  # communities are not called out
    assert rows[1][:3] == ["1", "金洲社区", "黄阁镇"]
    assert all(cell != "" for row in rows[1:] for cell in row)  # every column filled


def test_the_all_time_export_names_its_period_in_words(tree, people, login, scores):
    client = login(people.organiser)
    query = f"by=member&period=all&unit_id={tree.town.id}"
    rows = _csv(client.get(f"/rankings/export.csv?{query}", buffered=True))
    assert rows[1][-2:] == ["All time", "All time"] and "all" not in rows[1]
    sheet = xlsx_sheet(client.get(f"/rankings/export.xlsx?{query}"))
    assert sheet.title == "Members All time"


def test_a_chinese_viewer_gets_chinese_columns_and_sheet(tree, people, login, scores):
    people.organiser.locale = "zh_CN"
    db.session.flush()
    client = login(people.organiser)
    query = f"by=community&period=all&unit_id={tree.town.id}"
    rows = _csv(client.get(f"/rankings/export.csv?{query}", buffered=True))
    assert rows[0][:3] == ["名次", "社区", "镇（街道）"]
    assert rows[1][1] == "金洲社区" and rows[1][-1] == "累计"
    sheet = xlsx_sheet(client.get(f"/rankings/export.xlsx?{query}"))
    assert sheet.title == "社区（村） 累计"


def test_the_response_rate_column_comes_once_anyone_was_called(tree, people, login, english):
    _give(people.coordinator, people.member, 60)
    _give(people.coordinator, people.neighbour, 30)
    client = login(people.coordinator)
    assert (
        "Call-out response rate" not in _csv(client.get("/rankings/export.csv", buffered=True))[0]
    )
    now = utcnow()
    db.session.add(
        Invitation(
            callout_id=_callout(tree, now, "测试").id,
            member_id=people.member.id,
            status="accepted",
            wave=1,
            distance_m=100,
            sent_at=now,
            expires_at=now + timedelta(minutes=5),
        )
    )
    db.session.flush()
    rows = _csv(client.get("/rankings/export.csv", buffered=True))
    column = rows[0].index("Call-out response rate")
    assert [r[column] for r in rows[1:]] == ["100%", ""]  # the neighbour was never asked


def xlsx_sheet(response):
    return openpyxl.load_workbook(io.BytesIO(response.get_data())).worksheets[0]
