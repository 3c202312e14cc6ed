import io

from timebank.units.models import Unit


def test_organiser_sees_own_town_tree(tree, people, login):
    client = login(people.organiser)
    response = client.get("/units/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/units/{tree.town.id}")
    html = client.get(f"/units/{tree.town.id}").get_data(as_text=True)
    assert "金洲社区" in html and "黄阁社区" in html
    assert f"/units/{tree.town.id}/edit" not in html  # organisers do not edit units
    assert client.get(f"/units/{tree.other_town.id}").status_code == 403


def test_coordinators_and_members_have_no_tree_pages(people, login):
    for who in ("coordinator", "member", "staff"):
        assert login(getattr(people, who)).get("/units/").status_code == 403


def test_admin_edits_a_unit_with_errors_at_fields(tree, people, login, db):
    client = login(people.admin)
    response = client.post(
        f"/units/{tree.community.id}/edit", data={"code": "T-HG-C2", "name": "x"}
    )  # code of the sibling
    assert response.status_code == 200 and "is-invalid" in response.get_data(as_text=True)
    response = client.post(
        f"/units/{tree.community.id}/edit",
        data={"code": "T-HG-C1", "name": "金洲新区", "lat": "22.9", "lon": "113.6"},
    )
    assert response.status_code == 302
    assert db.session.get(Unit, tree.community.id).name == "金洲新区"


def test_admin_adds_a_child_unit(tree, people, login, db):
    client = login(people.admin)
    response = client.post(f"/units/{tree.town.id}/new", data={"code": "T-HG-C9", "name": "新社区"})
    assert response.status_code == 302
    unit = db.session.query(Unit).filter_by(code="T-HG-C9").one()
    assert unit.level == "community" and unit.parent_id == tree.town.id


def test_import_page_all_or_nothing(tree, people, login, db):
    client = login(people.admin)
    bad = "code,name,level,parent_code\nT-HG-C7,甲,community,T-HG\nT-HG-C8,,community,T-HG\n"
    response = client.post(
        "/units/import",
        data={"file": (io.BytesIO(bad.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "第 3 行：单位名称：" in html
    assert "line 3" not in html and "name:" not in html  # no raw field names
    assert db.session.query(Unit).filter_by(code="T-HG-C7").count() == 0
    good = "code,name,level,parent_code\nT-HG-C7,甲,community,T-HG\n"
    response = client.post(
        "/units/import",
        data={"file": (io.BytesIO(good.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.query(Unit).filter_by(code="T-HG-C7").count() == 1
    assert login(people.organiser).get("/units/import").status_code == 403


def test_import_errors_read_in_english_with_column_labels(tree, people, login):
    people.admin.locale = "en"
    client = login(people.admin)
    bad = "code,name,level,parent_code\nT-HG-C8,,community,T-HG\n"
    response = client.post(
        "/units/import",
        data={"file": (io.BytesIO(bad.encode()), "units.csv")},
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert "Line 2: Unit name: " in html
    assert "：" not in html.split('data-test="import-errors"')[1].split("</div>")[0]
