"""Smaller things users notice: the import template and encodings, the favicon, iCalendar
links from the request, the overlap refusal naming the clash, tap targets."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import make_shift
from timebank.core.csvio import read_csv
from timebank.core.errors import Conflict, ValidationFailed
from timebank.shifts import calendar
from timebank.shifts.signups import sign_up

NOW = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
DAY = datetime(2026, 3, 4, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
CSV = "code,name,level,parent_code\nT-HG-C9,横沥社区,community,T-HG\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_utf8_and_excels_gbk(encoding):
    [(line, row)] = read_csv(CSV.encode(encoding), ("code", "name"))
    assert (line, row["name"]) == (2, "横沥社区")


def test_csv_in_neither_encoding_says_how_to_save(app):
    with pytest.raises(ValidationFailed) as refused:
        read_csv(b"code,name\n\xff\xfe\xff\x00\x81\n", ("code",))
    [(field, reason)] = refused.value.errors
    assert field == "file" and "CSV UTF-8" in str(reason)


def test_gbk_upload_imports_units(tree, people, login, db):
    response = login(people.admin).post(
        "/units/import",
        data={"file": (io.BytesIO(CSV.encode("gbk")), "units.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302


def test_unit_import_template_downloads_for_admins(tree, people, login):
    response = login(people.admin).get("/units/import/template.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeffcode,name,name_en,level,parent_code,lat,lon")
    page = login(people.admin).get("/units/import").get_data(as_text=True)
    assert 'data-test="import-template"' in page
    assert login(people.coordinator).get("/units/import/template.csv").status_code == 403


def test_favicon_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert 'rel="icon"' in client.get("/login").get_data(as_text=True)


def test_ical_links_follow_the_scheme_and_host_asked(tree, people, client):
    shift = make_shift(tree.community, starts_at=datetime.now(UTC) + timedelta(days=1))
    sign_up(people.member, shift)
    token = calendar.ensure_calendar_token(people.member)
    body = client.get(f"/calendar/{token}.ics", base_url="http://tb.local:8080").get_data()
    assert f"http://tb.local:8080/shifts/{shift.id}".encode() in body.replace(b"\r\n ", b"")
    assert b"https://" not in body


def test_overlap_refusal_names_the_clashing_shift(tree, people):
    first = make_shift(tree.community, starts_at=DAY, hours=4, title="北门卡口值守")
    sign_up(people.member, first, now=NOW)
    overlapping = make_shift(tree.sibling, starts_at=DAY + timedelta(hours=3), hours=2)
    with pytest.raises(Conflict) as refused:
        sign_up(people.member, overlapping, now=NOW)
    assert "北门卡口值守" in str(refused.value.message)
    assert "03-04 08:00–12:00" in str(refused.value.message)


def test_bell_and_language_switch_are_tap_targets(people, login):
    html = login(people.member).get("/").get_data(as_text=True)
    bell = html.split('data-test="inbox-bell"')[0].rsplit("<a", 1)[1]
    assert "tb-tap" in bell
    assert 'class="btn btn-link btn-sm mx-1 tb-tap"' in html
