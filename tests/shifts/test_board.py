"""The shift board query: own community first, keyset pages, search, constant queries."""

import contextlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_checkpoint, make_member, make_shift, make_signup
from timebank.core.clock import utcnow
from timebank.extensions import db as _db
from timebank.shifts import signups
from timebank.shifts.board import BoardFilter, Cursor, board_page, clean_text


def _hours(n):
    return utcnow() + timedelta(hours=n)


def _all_pages(wanted, size):
    seen, after, pages = [], None, 0
    while True:
        page = board_page(wanted, after=after, size=size)
        seen += [r.shift.id for r in page.rows]
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        after = page.next_cursor


def test_pages_walk_own_community_first_then_the_rest_without_gaps(tree):
    far = [make_shift(tree.far, starts_at=_hours(10 + i)) for i in range(4)]
    own = [make_shift(tree.community, starts_at=_hours(20 + i)) for i in range(5)]
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id)
    seen, pages = _all_pages(wanted, size=2)
    assert seen == [s.id for s in own + far]
    assert pages == 5  # 9 shifts, 2 a page, and no empty page at the end


def test_a_page_that_ends_a_section_exactly_still_offers_the_next(tree):
    own = [make_shift(tree.community, starts_at=_hours(20 + i)) for i in range(2)]
    far = make_shift(tree.far, starts_at=_hours(5))
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id)
    first = board_page(wanted, size=2)
    assert [r.shift.id for r in first.rows] == [s.id for s in own]
    second = board_page(wanted, after=first.next_cursor, size=2)
    assert [r.shift.id for r in second.rows] == [far.id] and second.next_cursor is None


def test_same_start_is_ordered_by_id_and_pages_neither_repeat_nor_skip(tree):
    start = _hours(30)
    shifts = [make_shift(tree.community, starts_at=start) for _ in range(7)]
    seen, _pages = _all_pages(BoardFilter(starts_from=utcnow()), size=3)
    assert seen == sorted(s.id for s in shifts)


def test_pages_are_stable_when_shifts_are_published_meanwhile(tree):
    shifts = [make_shift(tree.community, starts_at=_hours(10 + i)) for i in range(6)]
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id)
    first = board_page(wanted, size=3)
    # Published after the first page was read: one before the cursor, one after it.
    make_shift(tree.community, starts_at=_hours(9), title="早插入")
    late = make_shift(tree.community, starts_at=_hours(13.5), title="晚插入")
    second = board_page(wanted, after=first.next_cursor, size=3)
    ids = [r.shift.id for r in second.rows]
    assert not set(ids) & {r.shift.id for r in first.rows}
    assert ids == [shifts[3].id, late.id, shifts[4].id]


def test_search_matches_title_checkpoint_and_community(tree):
    gate = make_checkpoint(tree.sibling, name="北门卡口")
    by_title = make_shift(tree.community, title="反诈宣传", starts_at=_hours(5))
    by_place = make_shift(tree.sibling, title="值守", checkpoint=gate, starts_at=_hours(6))
    by_unit = make_shift(tree.far, title="值守", starts_at=_hours(7))
    make_shift(tree.community, title="值守", starts_at=_hours(8))

    def found(text):
        return [r.shift.id for r in board_page(BoardFilter(text=text)).rows]

    assert found("反诈") == [by_title.id]
    assert found("北门") == [by_place.id]
    assert found("大岗") == [by_unit.id]
    assert found("  大岗  ") == [by_unit.id]
    assert found("100%") == [] and found("_") == []  # wildcards are taken literally


def test_search_text_is_cleaned():
    assert clean_text("a\x00b \ud800 c   d") == "ab c d"
    assert len(clean_text("字" * 500)) == 60


def test_skills_filter_fills_pages_past_shifts_it_drops(tree):
    for i in range(5):
        make_shift(tree.community, starts_at=_hours(5 + i), skills=["drone"])
    fits = [make_shift(tree.community, starts_at=_hours(20 + i)) for i in range(3)]
    page = board_page(BoardFilter(skills=[]), size=2)
    assert [r.shift.id for r in page.rows] == [s.id for s in fits[:2]]
    rest = board_page(BoardFilter(skills=[]), after=page.next_cursor, size=2)
    assert [r.shift.id for r in rest.rows] == [fits[2].id] and rest.next_cursor is None


def test_free_places_from_the_counter_and_waitlist_only_for_full_shifts(tree):
    full = make_shift(tree.community, capacity=1, starts_at=_hours(5))
    signups.sign_up(make_member(tree.community), full)
    signups.sign_up(make_member(tree.community), full)  # on the waitlist
    open_shift = make_shift(tree.community, capacity=3, starts_at=_hours(6))
    rows = {r.shift.id: r for r in board_page(BoardFilter()).rows}
    assert rows[full.id].waitlist_count == 1 and rows[full.id].shift.is_full
    assert rows[open_shift.id].shift.free == 3


@pytest.mark.parametrize("text", ["", "x", "MS4y", "!!!", "Mi4xLjE", "MC4xLjA"])
def test_cursors_that_were_not_written_here_are_refused(text):
    with pytest.raises(ValueError):
        Cursor.decode(text)


@contextlib.contextmanager
def _counting():
    seen = []

    def note(*args):
        seen.append(args[2])

    sa.event.listen(_db.engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        sa.event.remove(_db.engine, "before_cursor_execute", note)


def test_a_page_reads_a_fixed_number_of_statements(tree, people, login):
    """More shifts (full or not) do not mean more queries: no per-shift statement."""
    client = login(people.member)

    def fill(n, start):
        for i in range(n):
            shift = make_shift(tree.community, capacity=1, starts_at=_hours(start + i))
            make_signup(make_member(tree.community), shift)
            make_shift(tree.far, starts_at=_hours(start + i))

    fill(2, 5)
    with _counting() as few:
        assert client.get("/shifts/").status_code == 200
    fill(20, 10)
    with _counting() as many:
        html = client.get("/shifts/").get_data(as_text=True)
    assert html.count('data-test="shift-card"') == 25
    assert len(many) == len(few), many


def test_load_more_works_without_script_and_as_a_fragment(tree, people, login):
    shifts = [make_shift(tree.community, starts_at=_hours(5 + i)) for i in range(30)]
    client = login(people.member)
    html = client.get("/shifts/?kind=checkpoint").get_data(as_text=True)
    assert html.count('data-test="shift-card"') == 25
    more = re.search(r'href="([^"]+)" data-load-more', html).group(1).replace("&amp;", "&")
    assert "kind=checkpoint" in more and "after=" in more
    second = client.get(more).get_data(as_text=True)
    assert second.count('data-test="shift-card"') == 5 and "data-load-more" not in second
    assert 'data-test="board-first"' in second and f"/shifts/{shifts[-1].id}" in second
    fragment = client.get(more + "&partial=1").get_data(as_text=True)
    assert "<html" not in fragment and fragment.count('data-test="shift-card"') == 5
    # The sign-up form returns to the page, never to the fragment.
    assert "partial=1" not in fragment


def test_the_board_page_searches_and_refuses_a_forged_cursor(tree, people, login):
    make_shift(tree.far, title="反诈宣传", starts_at=_hours(5))
    make_shift(tree.community, title="北门值守", starts_at=_hours(6))
    client = login(people.member)
    html = client.get("/shifts/?q=反诈").get_data(as_text=True)
    assert "反诈宣传" in html and "北门值守" not in html
    assert client.get("/shifts/?q=%00%ED").status_code == 200
    assert client.get("/shifts/?after=forged").status_code == 400


def test_the_api_pages_with_next_cursor_and_searches(tree, people, api):
    for i in range(3):
        make_shift(tree.community, title=f"值守{i}", starts_at=_hours(5 + i))
    make_shift(tree.far, title="反诈宣传", starts_at=_hours(9))
    member = api(people.member)
    first = member.get("/shifts?limit=2").get_json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = member.get(f"/shifts?limit=2&after={first['next_cursor']}").get_json()
    assert [s["title"] for s in rest["items"]] == ["值守2", "反诈宣传"]
    assert rest["next_cursor"] is None
    found = member.get("/shifts?q=反诈").get_json()["items"]
    assert [s["title"] for s in found] == ["反诈宣传"]
    refused = member.get("/shifts?after=forged")
    assert refused.status_code == 422 and "after" in str(refused.get_json())
