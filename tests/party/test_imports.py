"""CSV imports of the party tree and of members' branches: all or nothing, line numbers."""

import io

import pytest

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.core.csvio import read_csv
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.extensions import db
from timebank.party import imports
from timebank.party.models import PartyMembership, PartyOrg

TREE = (
    "code,name,kind,field,parent_code\n"
    "P-NS-B9,新支部,branch,community,P-NS-G9\n"  # child before its parent: fine
    "P-NS-G9,新总支,general_branch,community,P-NS\n"
)


def _org(code):
    return db.session.query(PartyOrg).filter_by(code=code).one_or_none()


def test_tree_import_creates_parents_before_children_with_paths(party, people):
    result = imports.import_orgs(
        people.admin, read_csv(TREE.encode(), imports.ORG_COLUMNS), now=utcnow()
    )
    assert result == {"created": 2, "updated": 0}
    general, branch = _org("P-NS-G9"), _org("P-NS-B9")
    assert general.parent_id == party.committee.id and branch.parent_id == general.id
    assert branch.path == f"{general.path}{branch.id}/"


def test_tree_import_reports_every_bad_row_and_writes_nothing(party, people):
    bad = (
        "code,name,kind,field,parent_code\n"
        "P-X1,甲,branch,community,P-NS\n"  # good
        "P-X2,乙,team,community,P-NS\n"  # unknown kind
        "P-X3,丙,branch,village,P-NS\n"  # unknown field
        "P-X4,丁,branch,community,P-NOPE\n"  # no such parent
        "P-X5,戊,general_branch,community,\n"  # needs a parent
        "P-X1,己,branch,community,P-NS\n"  # twice
        "P-HG-1,金洲,general_branch,community,P-NS\n"  # known code changes kind
    )
    with pytest.raises(ValidationFailed) as raised:
        imports.import_orgs(people.admin, read_csv(bad.encode(), imports.ORG_COLUMNS), now=utcnow())
    lines = {where for where, _ in raised.value.errors}
    assert lines == {"line 3", "line 4", "line 5", "line 6", "line 7", "line 8"}
    assert _org("P-X1") is None


def test_tree_import_updates_a_known_name_and_is_for_admins(party, people):
    known = "code,name,kind,field,parent_code\nP-HG-2,黄阁国企新支部,branch,soe,P-HG\n"
    rows = read_csv(known.encode(), imports.ORG_COLUMNS)
    with pytest.raises(NotAllowed):
        imports.import_orgs(party.secretary, rows, now=utcnow())
    assert imports.import_orgs(people.admin, rows, now=utcnow()) == {"created": 0, "updated": 1}
    assert party.other_branch.name == "黄阁国企新支部"


def test_tree_import_reads_gbk(party, people):
    rows = read_csv(TREE.encode("gb18030"), imports.ORG_COLUMNS)
    imports.import_orgs(people.admin, rows, now=utcnow())
    assert _org("P-NS-B9").name == "新支部"


def test_branch_import_confirms_and_reports_every_bad_row(tree, party, people):
    outsider = make_member(tree.community, name="群众", phone="13900000077", is_party_member=False)
    good = f"phone,branch_code\n{people.member.phone},P-HG-2\n"
    bad = (
        f"phone,branch_code\n{people.member.phone},P-HG-2\n"
        f"{outsider.phone},P-HG-1\n"  # not a party member
        "13900000999,P-HG-1\n"  # no such member
        f"{people.neighbour.phone},P-HG\n"  # not a branch
        f"{people.member.phone},P-HG-1\n"  # twice
    )
    with pytest.raises(ValidationFailed) as raised:
        imports.import_branches(
            people.admin, read_csv(bad.encode(), imports.BRANCH_COLUMNS), now=utcnow()
        )
    assert {w for w, _ in raised.value.errors} == {"line 3", "line 4", "line 5", "line 6"}
    ship = db.session.query(PartyMembership).filter_by(member_id=people.member.id).one()
    assert ship.party_org_id == party.branch.id
    with pytest.raises(NotAllowed):
        imports.import_branches(
            party.secretary, read_csv(good.encode(), imports.BRANCH_COLUMNS), now=utcnow()
        )
    imports.import_branches(
        people.admin, read_csv(good.encode(), imports.BRANCH_COLUMNS), now=utcnow()
    )
    db.session.refresh(ship)
    assert ship.party_org_id == party.branch.id and ship.status == "replaced"  # history
    now = db.session.query(PartyMembership).filter_by(member_id=people.member.id).all()
    assert {(s.party_org_id, s.status) for s in now} == {
        (party.branch.id, "replaced"),
        (party.other_branch.id, "confirmed"),
    }


def _upload(client, kind, text):
    return client.post(
        f"/party/orgs/import/{kind}",
        data={"file": (io.BytesIO(text.encode()), "x.csv")},
        content_type="multipart/form-data",
    )


def test_import_pages_list_errors_by_line_and_offer_a_template(party, people, login):
    client = login(people.admin)
    page = client.get("/party/orgs")
    assert page.status_code == 200 and "金洲社区党支部" in page.get_data(as_text=True)
    template = client.get("/party/orgs/import/orgs/template.csv")
    assert template.data.decode("utf-8-sig").startswith("code,name,kind,field,parent_code")
    r = _upload(client, "orgs", "code,name,kind,field,parent_code\nP-X,,branch,community,P-NS\n")
    assert r.status_code == 200 and "第 2 行" in r.get_data(as_text=True)
    assert _upload(client, "orgs", TREE).status_code == 302 and _org("P-NS-B9") is not None
    assert login(people.coordinator).get("/party/orgs").status_code == 403
    assert login(party.secretary).get("/party/orgs/import/members").status_code == 403
