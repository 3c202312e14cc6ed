"""The board page's cards (`board_cards`): the same shifts, pages and counts as `board_page`,
in one statement, with the reader's own sign-up; and the card words as the general path
wrote them."""

import contextlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import session, url_for
from flask_babel import format_datetime

from tests.factories import make_checkpoint, make_member, make_shift, make_signup
from timebank.core.clock import utcnow
from timebank.core.i18n import day_time_span
from timebank.extensions import db as _db
from timebank.shifts import signups
from timebank.shifts.board import BoardFilter, board_cards, board_page


def _hours(n):
    return utcnow() + timedelta(hours=n)


def _walk(read, wanted, size):
    """Every page of `read` (board_page or board_cards): ids, waitlists, cursors."""
    pages, after = [], None
    while True:
        page = read(wanted, after, size)
        pages.append(page)
        if page.next_cursor is None:
            return pages
        after = page.next_cursor


def _as_lists(pages, card):
    rows = [
        (r.id, r.waitlist_count) if card else (r.shift.id, r.waitlist_count)
        for p in pages
        for r in p.rows
    ]
    return rows, [p.next_cursor for p in pages]


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


@pytest.mark.parametrize("size", [1, 2, 3, 25])
@pytest.mark.parametrize("filters", [{}, {"text": "卡口"}, {"kind": "errand"}, {"skills": []}])
def test_cards_page_as_the_board_query_pages(tree, size, filters):
    gate = make_checkpoint(tree.community, name="北门卡口")
    for i in range(4):
        make_shift(tree.community, starts_at=_hours(10 + i), checkpoint=gate if i % 2 else None)
        make_shift(tree.far, starts_at=_hours(10 + i), title="路口卡口" if i % 2 else None)
        make_shift(tree.far, starts_at=_hours(10 + i), kind="errand")
    full = make_shift(tree.far, starts_at=_hours(11), capacity=1, title="卡口满员")
    signups.sign_up(make_member(tree.community), full)
    signups.sign_up(make_member(tree.community), full)  # waitlisted
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id, **filters)
    member = make_member(tree.community)
    old = _walk(lambda w, a, s: board_page(w, after=a, size=s), wanted, size)
    new = _walk(lambda w, a, s: board_cards(w, member.id, after=a, size=s), wanted, size)
    assert _as_lists(new, card=True) == _as_lists(old, card=False)
    assert any(r.waitlist_count == 1 for p in new for r in p.rows) == (
        filters != {"kind": "errand"}
    )


def test_a_card_carries_names_places_and_my_own_status(tree):
    gate = make_checkpoint(tree.community, name="北门卡口")
    mine = make_shift(tree.community, starts_at=_hours(5), checkpoint=gate, skills=["first_aid"])
    other = make_shift(tree.far, starts_at=_hours(6))
    member = make_member(tree.community)
    make_signup(member, mine, status="confirmed")
    make_signup(make_member(tree.far), other, status="confirmed")
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id)
    cards = {c.id: c for c in board_cards(wanted, member.id).rows}
    assert cards[mine.id].my_status == "confirmed" and cards[other.id].my_status is None
    assert cards[mine.id].checkpoint_name == "北门卡口" and cards[other.id].checkpoint_name is None
    assert cards[mine.id].community_name == tree.community.name
    assert cards[mine.id].skills == ["first_aid"]
    assert (cards[mine.id].free, cards[mine.id].taken) == (mine.capacity - 1, 1)


def test_a_first_page_of_cards_is_one_statement(tree):
    for i in range(30):
        make_shift(tree.community if i % 3 else tree.far, starts_at=_hours(5 + i))
    wanted = BoardFilter(starts_from=utcnow(), first_community_id=tree.community.id)
    with _counting() as seen:
        page = board_cards(wanted, 1)
    assert len(page.rows) == 25 and len(seen) == 1, seen


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_the_card_time_is_what_babel_writes(app, lang):
    with app.test_request_context("/"):
        session["lang"] = lang
        start = datetime(2026, 1, 1, 0, 7, tzinfo=UTC)
        for hours in range(0, 24 * 9, 5):
            starts_at = start + timedelta(hours=hours, minutes=hours % 60)
            ends_at = starts_at + timedelta(hours=hours % 13 + 1)
            text, next_day = day_time_span(starts_at, ends_at)
            first = format_datetime(starts_at, "MM-dd EEE HH:mm")
            assert text == f"{first}–{format_datetime(ends_at, 'HH:mm')}"
            assert next_day == (
                format_datetime(ends_at, "yyyyMMdd") > format_datetime(starts_at, "yyyyMMdd")
            )


def test_card_links_are_the_routes(tree, people, login, app):
    shift = make_shift(tree.community, starts_at=_hours(5))
    html = login(people.member).get("/shifts/").get_data(as_text=True)
    with app.test_request_context("/"):
        detail = url_for("shifts.detail", shift_id=shift.id)
        sign_up = url_for("shifts.sign_up", shift_id=shift.id)
    assert f'href="{detail}"' in html and f'action="{sign_up}"' in html
    assert re.search(r'name="csrf_token" value="[^"]+"', html)


def test_a_load_more_fragment_reads_no_navigation_or_inbox(tree, people, login):
    for i in range(30):
        make_shift(tree.community, starts_at=_hours(5 + i))
    client = login(people.member)
    html = client.get("/shifts/").get_data(as_text=True)
    more = re.search(r'href="([^"]+)" data-load-more', html).group(1).replace("&amp;", "&")
    with _counting() as page:
        client.get(more)
    with _counting() as fragment:
        body = client.get(more + "&partial=1").get_data(as_text=True)
    assert body.count('data-test="shift-card"') == 5 and 'name="csrf_token"' in body
    assert any("notifications" in s for s in page)
    assert not any("notifications" in s or "invitations" in s for s in fragment), fragment


def test_my_shifts_still_shows_an_upcoming_shift_as_a_card(tree, people, login):
    shift = make_shift(tree.community, starts_at=_hours(5))
    make_signup(people.member, shift, status="confirmed")
    response = login(people.member).get("/shifts/mine")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and f'data-shift-id="{shift.id}"' in html
