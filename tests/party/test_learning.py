"""The learning record: lectures are study, never service (SPEC 7)."""

from datetime import timedelta

import sqlalchemy as sa

from tests.party.records import MARCH, served
from timebank.extensions import db
from timebank.ledger.models import LedgerEntry


def test_lecture_hours_go_to_study_never_to_the_balance(api, people, tree):
    shift, entry = served(people.member, tree.community, kind="lecture", minutes=100)
    served(people.member, tree.community, minutes=60, at=MARCH + timedelta(days=1))
    r = api(people.member).get("/members/me/learning?year=2026")
    assert r.status_code == 200
    assert r.json["minutes"] == 100
    assert [(i["shift_id"], i["minutes"], i["date"]) for i in r.json["items"]] == [
        (shift.id, 100, "2026-03-10")
    ]
    assert (entry.minutes, entry.reason) == (0, "not counted as service")
    balance = db.session.scalar(
        sa.select(sa.func.sum(LedgerEntry.minutes)).where(LedgerEntry.member_id == people.member.id)
    )
    assert balance == 60
    assert api(people.member).get("/members/me/learning?year=2025").json["minutes"] == 0
    assert api(people.member).get("/members/me/learning?year=99999").status_code == 422
