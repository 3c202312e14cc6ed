"""The bell's count and the urgent banner come from one statement, as the two queries did."""

import pytest

from tests.factories import make_member
from timebank.core.clock import utcnow
from timebank.extensions import db
from timebank.notifications import queries
from timebank.notifications.models import Notification


def _notice(member, *, urgent=False, read=False, n=0):
    notice = Notification(
        member_id=member.id,
        kind="test",
        title=f"t{n}",
        body="b",
        is_urgent=urgent,
        read_at=utcnow() if read else None,
    )
    db.session.add(notice)
    db.session.flush()
    return notice


@pytest.mark.parametrize(("urgent", "plain", "read"), [(0, 0, 0), (0, 2, 1), (1, 0, 0), (5, 3, 2)])
def test_unread_and_urgent_is_count_unread_and_list_urgent_unread(tree, urgent, plain, read):
    member, other = make_member(tree.community), make_member(tree.community)
    for i in range(urgent):
        _notice(member, urgent=True, n=i)
    for i in range(plain):
        _notice(member, n=i)
    for i in range(read):
        _notice(member, urgent=True, read=True, n=i)
    _notice(other, urgent=True)
    count, shown = queries.unread_and_urgent(member)
    assert count == queries.count_unread(member) == urgent + plain
    assert [n.id for n in shown] == [n.id for n in queries.list_urgent_unread(member)]
    assert len(shown) == min(urgent, queries.URGENT_SHOWN)
