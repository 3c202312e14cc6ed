import pytest

from timebank.core.csvio import read_csv
from timebank.core.errors import NotAllowed, ValidationFailed
from timebank.units import services
from timebank.units.models import Unit
from timebank.units.queries import ancestors, child_counts, count_by_level, find_unit_by_code

TOWNS_CSV = """code,name,name_en,level,parent_code,lat,lon
NS,南沙区,Nansha District,district,,22.801,113.525
NS-HG,黄阁镇,Huangge Town,town,NS,22.835,113.520
NS-HG-C1,金洲社区,,community,NS-HG,22.84,113.52
NS-HG-C1-G1,第1网格,,grid,NS-HG-C1,,
"""


def _import(text, actor=None):
    return services.import_units(
        actor, read_csv(text.encode("utf-8-sig"), ("code", "name", "level"))
    )


def test_import_builds_the_tree_with_paths(db):
    assert _import(TOWNS_CSV) == {"created": 4, "updated": 0}
    grid = find_unit_by_code("NS-HG-C1-G1")
    assert [u.code for u in ancestors(grid)] == ["NS", "NS-HG", "NS-HG-C1"]
    assert grid.path == "/" + "/".join(str(i) for i in grid.ancestor_ids) + "/"
    assert count_by_level(find_unit_by_code("NS")) == {
        "district": 1,
        "town": 1,
        "community": 1,
        "grid": 1,
    }


def test_import_accepts_children_before_parents(db):
    lines = TOWNS_CSV.strip().splitlines()
    reordered = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    assert _import(reordered)["created"] == 4


def test_import_updates_known_codes(db):
    _import(TOWNS_CSV)
    result = _import("code,name,level,parent_code,lat,lon\nNS-HG,黄阁镇（新）,town,NS,22.9,113.6\n")
    assert result == {"created": 0, "updated": 1}
    assert find_unit_by_code("NS-HG").name == "黄阁镇（新）"


def test_import_is_all_or_nothing_and_reports_every_bad_line(db):
    bad = TOWNS_CSV + (
        "X1,坏单位,,planet,NS,,\n"  # line 6: unknown level
        "NS-HG,重复,,town,NS,,\n"  # line 7: repeated code
        "X2,,,town,NS,99,113\n"  # line 8: no name, lat out of range
        "X3,孤儿,,community,NOPE,,\n"  # line 9: unknown parent (found in the same pass)
    )
    with pytest.raises(ValidationFailed) as exc:
        _import(bad)
    where = {w for w, _ in exc.value.errors}
    assert where == {"line 6", "line 7", "line 8", "line 9"}
    assert db.session.query(Unit).count() == 0


def test_import_second_pass_finds_parent_and_level_errors(db):
    bad = TOWNS_CSV + "X3,孤儿,,community,NOPE,,\nX4,网格,,grid,NS-HG,,\nX5,区,,district,NS,,\n"
    with pytest.raises(ValidationFailed) as exc:
        _import(bad)
    assert [w for w, _ in exc.value.errors] == ["line 6", "line 7", "line 8"]
    assert db.session.query(Unit).count() == 0


def test_import_reports_bad_lines_of_every_kind_in_one_pass(db):
    """Line 3 a field error, line 4 an unknown parent, line 5 a wrong level under its
    parent: all three at once; a parent given later in the file (line 7) is found."""
    text = (
        "code,name,level,parent_code,lat,lon\n"
        "NS,南沙区,district,,22.8,113.5\n"
        "NS-A,,town,NS,95,113\n"  # 3: no name, latitude out of range
        "NS-B,乙镇,town,NOPE,,\n"  # 4: unknown parent
        "NS-C,丙网格,grid,NS,,\n"  # 5: a grid directly under a district
        "NS-D-C1,丁社区,community,NS-D,,\n"  # 6: fine, its parent is on line 7
        "NS-D,丁镇,town,NS,,\n"
        "NS-E,戊镇,town,NS,,\n"
    )
    with pytest.raises(ValidationFailed) as exc:
        _import(text)
    lines = [w for w, _ in exc.value.errors]
    assert sorted(set(lines)) == ["line 3", "line 4", "line 5"]
    assert lines.count("line 3") == 2  # both of line 3's fields
    assert db.session.query(Unit).count() == 0


def test_import_refuses_nul_in_a_field_at_its_line(db):
    with pytest.raises(ValidationFailed) as exc:
        _import("code,name,level,parent_code\nNS,南沙\x00区,district,\n")
    assert exc.value.errors[0][0] == "line 2" and "NUL" in str(exc.value.errors[0][1])


def test_import_refuses_moving_a_unit(db):
    _import(TOWNS_CSV + "NS-DG,大岗镇,,town,NS,,\n")
    with pytest.raises(ValidationFailed) as exc:
        _import("code,name,level,parent_code\nNS-HG-C1,金洲社区,community,NS-DG\n")
    assert exc.value.errors[0][0] == "line 2"


def test_read_csv_needs_columns_and_utf8_or_gbk():
    with pytest.raises(ValidationFailed):
        read_csv(b"code,name\nA,b\n", ("code", "name", "level"))
    gbk = read_csv("code,name,level\nA,黄,town\n".encode("gbk"), ("code", "name", "level"))
    assert gbk[0][1]["name"] == "黄"  # Excel's default CSV on Chinese Windows
    with pytest.raises(ValidationFailed):
        read_csv(b"code,name,level\n\xff\xfe\xff\x00\x81\n", ("code", "name", "level"))
    with pytest.raises(ValidationFailed):
        read_csv(b"code,name,level\n", ("code", "name", "level"))


def test_create_and_update_unit_by_admin(tree, people):
    unit = services.create_unit(
        people.admin,
        code="T-HG-C3",
        name="新社区",
        level="community",
        parent_id=tree.town.id,
        lat=22.8,
        lon=113.5,
    )
    assert unit.path == tree.town.path + f"{unit.id}/"
    services.update_unit(people.admin, unit, name="新新社区", name_en="New", lat=None, lon=None)
    assert (unit.name, unit.name_en, unit.lat) == ("新新社区", "New", None)
    assert child_counts(tree.town)[tree.community.id] == 1  # its grid


def test_unit_changes_need_admin_in_scope(tree, people):
    for actor in (people.organiser, people.coordinator, people.member):
        with pytest.raises(NotAllowed):
            services.create_unit(
                actor, code="Z1", name="z", level="community", parent_id=tree.town.id
            )
        with pytest.raises(NotAllowed):
            services.update_unit(actor, tree.community, name="z")


def test_create_unit_level_must_follow_parent(tree, people):
    with pytest.raises(ValidationFailed) as exc:
        services.create_unit(
            people.admin, code="Z2", name="z", level="town", parent_id=tree.town.id
        )
    assert "parent_id" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        services.create_unit(
            people.admin, code="Z3", name="z", level="district", parent_id=tree.town.id
        )
    assert "parent_id" in exc.value.fields


def test_units_import_is_audited(db):
    from timebank.audit.models import AuditEntry

    _import(TOWNS_CSV)
    entry = db.session.query(AuditEntry).one()
    assert entry.action == "units.import" and entry.details == {"created": 4, "updated": 0}


def test_create_unit_reports_the_edge_refusals_with_its_own(tree, people):
    with pytest.raises(ValidationFailed) as exc:
        services.create_unit(
            people.admin,
            code="bad code!",
            name="",
            level="community",
            parent_id=tree.town.id,
            lat=95,
            lon=113,
            refused=[("name_en", "Longer than maximum length 120.")],
        )
    assert set(exc.value.fields) == {"code", "name", "lat", "name_en"}
