"""The ranking "all" a page at a time: ranks stay true across pages, ties included."""

import re

from tests.factories import make_member
from tests.rankings.test_rankings import NOW, _give
from timebank.core.clock import utcnow
from timebank.rankings.queries import ranking


def test_pages_keep_true_ranks_across_a_tie(tree, people):
    minutes = [500, 400, 300, 300, 300, 200, 100]
    for name, m in zip("甲乙丙丁戊己庚", minutes, strict=True):
        _give(people.coordinator, make_member(tree.community, name=name), m)

    def page(offset):
        result = ranking(
            people.coordinator,
            by="member",
            period="month",
            unit=tree.community,
            now=NOW,
            limit=3,
            offset=offset,
            count_all=True,
        )
        return [(r.rank, r.name) for r in result.rows], result.total

    assert page(0) == ([(1, "甲"), (2, "乙"), (3, "丙")], 7)
    assert page(3) == ([(3, "丁"), (3, "戊"), (6, "己")], 7)  # the tie began on page 1
    assert page(6) == ([(7, "庚")], 7)
    assert page(9) == ([], 7)


def test_the_page_shows_100_rows_with_a_pager_for_all(tree, people, login):
    for n in range(105):
        _give(
            people.coordinator,
            make_member(tree.community, name=f"成员{n:03d}"),
            10 + n,
            at=utcnow(),
        )
    client = login(people.coordinator)
    url = f"/rankings?by=member&period=month&unit_id={tree.community.id}&limit=all"
    html = client.get(url).get_data(as_text=True)
    assert html.count("成员") >= 100 and 'data-test="ranking-pages"' in html
    assert "1 / 2" in html
    second = client.get(url + "&page=2").get_data(as_text=True)
    assert "成员000" in second and "成员104" not in second and "2 / 2" in second
    assert re.search(r">\s*101\s*<", second)  # the rank carries on from page 1
    assert client.get(url + "&page=0").status_code == 400
    assert client.get(url + "&page=99999999").status_code == 400
