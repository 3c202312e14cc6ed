"""An admin imports the party tree on a phone: every bad line listed, then the tree."""

import pytest
from playwright.sync_api import expect

from timebank.auth.models import Role

from .. import factories
from ..party.conftest import make_org
from .test_journey_members import sign_in

BAD = "code,name,kind,field,parent_code\nP-X1,,branch,community,P-NS\nP-X2,乙,team,village,P-NS\n"
GOOD = "code,name,kind,field,parent_code\nP-X1,金洲社区党支部,branch,community,P-NS\n"


@pytest.mark.e2e
def test_admin_imports_the_party_tree_on_a_phone(live, phone, shot, committed, tmp_path):
    tree = factories.make_tree()
    admin = factories.make_member(
        tree.community, name="管理员", roles=[(Role.ADMIN, tree.district)]
    )
    make_org("P-NS", "committee", name="南沙区委")
    committed.session.commit()
    page = phone().new_page()
    page.goto(live + "/login")
    sign_in(page, live, admin.phone, factories.PASSWORD)
    page.goto(live + "/party/orgs/import/orgs")
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_bytes(BAD.encode("gb18030"))
    good.write_text(GOOD, encoding="utf-8")
    page.set_input_files("input[type=file]", str(bad))
    page.locator("#submit").click()
    expect(page.locator('[data-test="import-errors"]')).to_contain_text("第 3 行")
    shot(page, "import-errors")
    page.set_input_files("input[type=file]", str(good))
    page.locator("#submit").click()
    expect(page.locator('[data-test="party-orgs"]')).to_contain_text("金洲社区党支部")
    shot(page, "party-orgs")
