"""One language at a time: a unit's name in the reader's language on every page and file."""

import csv
import io

import pytest
import sqlalchemy as sa

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.core.i18n import localized_name, unit_name
from timebank.demo.names import community_name_en
from timebank.extensions import db
from timebank.ledger.services import adjust
from timebank.mobilisation import services as mobilisation
from timebank.mobilisation.models import Invitation

ENGLISH = {
    "district": "Nansha District",
    "town": "Huangge Town",
    "community": "Jinzhou Community",
    "sibling": "Huangge Community",
}


@pytest.fixture
def named(tree):
    for key, name_en in ENGLISH.items():
        getattr(tree, key).name_en = name_en
    db.session.flush()
    return tree


def _read(people, login, url, locale):
    people.organiser.locale = locale
    db.session.flush()
    return login(people.organiser).get(url).get_data(as_text=True)


def test_the_helper_picks_english_only_when_there_is_an_english_name(named):
    assert localized_name("金洲社区", "Jinzhou Community", "en") == "Jinzhou Community"
    assert localized_name("金洲社区", None, "en") == "金洲社区"
    assert localized_name("金洲社区", "Jinzhou Community", "zh_CN") == "金洲社区"
    assert unit_name(named.grid, "en") == "第1网格"  # no English name: the Chinese one
    assert unit_name(None) == ""


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_dashboard_and_rankings_name_units_in_one_language(named, people, login, locale):
    adjust(people.coordinator, people.member, minutes=90, reason="测试", now=utcnow())
    db.session.flush()
    dashboard = _read(people, login, f"/dashboard?unit_id={named.town.id}", locale)
    towns = _read(people, login, f"/rankings?by=community&unit_id={named.town.id}", locale)
    wanted, unwanted = ("Huangge Town", "黄阁镇") if locale == "en" else ("黄阁镇", "Huangge")
    for page in (dashboard, towns):
        assert wanted in page
        assert unwanted not in page
    assert ("Jinzhou Community" in towns) == (locale == "en")


def test_export_columns_carry_english_unit_names_for_an_english_reader(named, people, login):
    adjust(people.coordinator, people.member, minutes=90, reason="测试", now=utcnow())
    people.organiser.locale = "en"
    db.session.flush()
    response = login(people.organiser).get(
        f"/rankings/export.csv?by=member&period=all&unit_id={named.town.id}", buffered=True
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[1][2:4] == ["Jinzhou Community", "Huangge Town"]
    assert "Huangge_Town" in response.headers["Content-Disposition"]


def test_called_by_names_the_unit_in_english(named, people, login):
    make_member(named.community, name="队员", home=(22.835, 113.525))
    callout = mobilisation.raise_callout(
        people.organiser,
        now=utcnow(),
        unit_id=named.community.id,
        kind="sharp_knife",
        title="Support",
        lat=22.835,
        lon=113.525,
        radius_km=1,
        needed=1,
        team_size=1,
        respond_within_s=300,
    )
    invited = db.session.scalars(sa.select(Invitation).where(Invitation.callout_id == callout.id))
    member = next(iter(invited)).member
    member.locale = "en"
    db.session.flush()
    page = login(member).get(f"/callouts/{callout.id}/answer").get_data(as_text=True)
    assert "Jinzhou Community" in page and "金洲社区" not in page


def test_demo_communities_get_pinyin_names():
    assert community_name_en("金沙社区") == "Jinsha Community"
    assert community_name_en("西安村") == "Xi'an Village"
    assert community_name_en("冲涌社区") == "Chongchong Community"
