"""Races on the party checks: two openers of one check, two finalisers of one sheet."""

import pytest
import sqlalchemy as sa

from tests import factories
from tests.party.conftest import join, make_org, make_secretary
from tests.party.records import item
from tests.shifts.test_concurrency import _run_in_threads
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.members.models import Member
from timebank.party import checks, sheets
from timebank.party.models import Check, PartyOrg, Sheet, SheetItem

pytestmark = pytest.mark.concurrency


def _branch():
    """(secretary id, branch id, member ids) of a committed branch with two members."""
    tree = factories.make_tree()
    committee = make_org("P-NS", "committee", name="南沙区委")
    branch = make_org("P-HG-1", "branch", committee, name="金洲社区党支部")
    secretary = factories.make_member(tree.community, name="支部书记")
    make_secretary(secretary, branch)
    members = [factories.make_member(tree.community, name=f"党员{n}") for n in range(2)]
    for m in members:
        join(m, branch)
    item("C-M01", 2, text="创新履职不够")
    db.session.commit()
    return secretary.id, branch.id, [m.id for m in members]


@pytest.mark.parametrize("round_", range(2))
def test_two_openers_of_one_check_one_wins(app, committed, round_):
    secretary_id, branch_id, member_ids = _branch()

    def work(i):
        found, count = checks.open_check(
            db.session.get(Member, secretary_id),
            db.session.get(PartyOrg, branch_id),
            "2026H1",
            now=utcnow(),
        )
        return count

    outcomes, errors = _run_in_threads(app, 4, work)
    assert errors == []
    assert sorted(outcomes, key=str) == sorted(
        [2, "check_exists", "check_exists", "check_exists"], key=str
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Check)) == 1
    members = sa.select(sa.func.count()).select_from(Sheet).where(Sheet.target == "member")
    assert db.session.scalar(members) == len(member_ids)
    orgs = sa.select(sa.func.count()).select_from(Sheet).where(Sheet.target == "organisation")
    assert db.session.scalar(orgs) == 1  # the branch's own sheet, once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SheetItem)) == 2


@pytest.mark.parametrize("round_", range(2))
def test_two_finalisers_of_one_sheet_one_wins(app, committed, round_):
    secretary_id, branch_id, member_ids = _branch()
    found, _ = checks.open_check(
        db.session.get(Member, secretary_id),
        db.session.get(PartyOrg, branch_id),
        "2026H1",
        now=utcnow(),
    )
    check_id = found.id
    db.session.commit()

    def work(i):
        sheet = sheets.find_sheet(check_id, member_ids[0])
        return sheets.finalise(db.session.get(Member, secretary_id), sheet, now=utcnow()).status

    outcomes, errors = _run_in_threads(app, 4, work)
    assert errors == []
    assert sorted(outcomes) == ["already_final"] * 3 + ["final"]
    sheet = sheets.find_sheet(check_id, member_ids[0])
    assert sheet.status == "final" and sheet.score == 100


@pytest.mark.parametrize("round_", range(2))
def test_two_finalisers_of_one_organisation_sheet_one_notice(app, committed, round_):
    """The organisation's sheet goes through the same conditional UPDATE: one final, one
    notice to its secretary, however many secretaries above press the button at once."""
    from timebank.notifications.models import Notification

    secretary_id, branch_id, _member_ids = _branch()
    branch = db.session.get(PartyOrg, branch_id)
    community = db.session.get(Member, secretary_id).community
    above = factories.make_member(community, name="区委书记")
    make_secretary(above, db.session.get(PartyOrg, branch.parent_id))
    db.session.commit()
    above_id = above.id
    found, _ = checks.open_check(above, branch, "2026H1", now=utcnow())
    check_id = found.id
    db.session.commit()

    def work(i):
        sheet = sheets.find_org_sheet(check_id, branch_id)
        return sheets.finalise(db.session.get(Member, above_id), sheet, now=utcnow()).status

    outcomes, errors = _run_in_threads(app, 4, work)
    assert errors == []
    assert sorted(outcomes) == ["already_final"] * 3 + ["final"]
    told = db.session.scalars(
        sa.select(Notification.member_id).where(Notification.kind == "party_org_sheet_finalised")
    ).all()
    assert told == [secretary_id]
