import sqlalchemy as sa

from timebank.members.models import Member


def _write(tmp_path, text):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8-sig")
    return str(path)


def test_import_members_creates_active_members(tree, runner, db, tmp_path):
    path = _write(
        tmp_path,
        "name,phone,community_code,grid_code,is_party_member,skills\n"
        f'张三,13600000001,{tree.community.code},{tree.grid.code},是,"medical,it"\n'
        f"李四,13600000002,{tree.far.code},,false,\n",
    )
    result = runner.invoke(args=["import-members", path, "--password", "start1234"])
    assert result.exit_code == 0, result.output
    members = {m.phone: m for m in db.session.scalars(sa.select(Member))}
    assert members["13600000001"].status == "active"
    assert members["13600000001"].skills == ["it", "medical"]
    assert members["13600000001"].grid_id == tree.grid.id
    assert members["13600000002"].is_party_member is False
    assert members["13600000002"].home_lat == tree.far.lat


def test_import_members_is_all_or_nothing(tree, people, runner, db, tmp_path):
    path = _write(
        tmp_path,
        "name,phone,community_code\n"
        f"好人,13600000003,{tree.community.code}\n"
        f"重号,{people.member.phone},{tree.community.code}\n"
        "无社区,13600000004,NOPE\n"
        f"同号,13600000003,{tree.community.code}\n",
    )
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Member))
    result = runner.invoke(args=["import-members", path, "--password", "start1234"])
    assert result.exit_code == 1
    for line in ("line 3", "line 4", "line 5"):
        assert line in result.output
    assert "line 2" not in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Member)) == before


def test_import_members_needs_a_password(tree, runner, db, tmp_path):
    path = _write(tmp_path, f"name,phone,community_code\n甲,13600000009,{tree.community.code}\n")
    result = runner.invoke(args=["import-members", path])
    assert result.exit_code == 1 and "密码：" in result.output
