from timebank.units.models import Unit


def test_import_units_command(runner, db, tmp_path):
    good = tmp_path / "units.csv"
    good.write_text(
        "code,name,level,parent_code\nNS,南沙区,district,\nNS-HG,黄阁镇,town,NS\n", encoding="utf-8"
    )
    result = runner.invoke(args=["import-units", str(good)])
    assert result.exit_code == 0, result.output
    assert "2 created" in result.output
    assert db.session.query(Unit).count() == 2


def test_import_units_command_reports_lines_and_imports_nothing(runner, db, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "code,name,level,parent_code\nNS,南沙区,district,\nB1,,town,NS\nB2,x,moon,NS\n",
        encoding="utf-8",
    )
    result = runner.invoke(args=["import-units", str(bad)])
    assert result.exit_code == 1
    assert "line 3" in result.output and "line 4" in result.output
    assert db.session.query(Unit).count() == 0
