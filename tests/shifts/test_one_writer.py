"""One writer of `Shift.taken` and of sign-ups: timebank.shifts.signups."""

import ast
from datetime import timedelta
from pathlib import Path

from tests.factories import make_shift
from timebank.core.clock import utcnow
from timebank.core.i18n import minutes_text
from timebank.shifts.models import Shift, Signup, SignupStatus
from timebank.shifts.signups import cancel_all, confirm_from_callout, confirm_walk_in

PACKAGE = Path(__file__).resolve().parents[2] / "timebank"
WRITER = PACKAGE / "shifts" / "signups.py"


def _writes_taken_or_signups(path: Path) -> list[str]:
    """Lines that assign `taken` (`x.taken = …`, `.values(taken=…)`) or make a Signup."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "taken" for t in targets):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name == "values" and any(k.arg == "taken" for k in node.keywords):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if name == "Signup":
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    return found


def test_only_signups_writes_taken_and_makes_signups():
    writers = [
        line
        for path in PACKAGE.rglob("*.py")
        if path != WRITER and "demo" not in path.parts
        for line in _writes_taken_or_signups(path)
    ]
    assert not writers, writers
    assert _writes_taken_or_signups(WRITER), "the writer itself is found by the same test"


def test_walk_in_takes_a_place_once_and_only_while_free(tree, people, db):
    shift = make_shift(tree.community, capacity=1, walk_ins=True)
    now = utcnow()
    assert confirm_walk_in(shift, people.member.id, now=now)
    assert not confirm_walk_in(shift, people.neighbour.id, now=now)
    assert db.session.get(Shift, shift.id).taken == 1
    signup = db.session.query(Signup).one()
    assert (signup.member_id, signup.status, signup.is_walk_in) == (
        people.member.id,
        SignupStatus.CONFIRMED,
        True,
    )


def test_callout_confirmation_reuses_an_earlier_signup(tree, people, db):
    shift = make_shift(tree.community, capacity=2)
    earlier = Signup(
        shift_id=shift.id,
        member_id=people.member.id,
        status=SignupStatus.CANCELLED,
        queued_at=utcnow(),
    )
    db.session.add(earlier)
    db.session.flush()
    signup = confirm_from_callout(shift.id, people.member.id, now=utcnow())
    assert signup.id == earlier.id and signup.status == SignupStatus.CONFIRMED
    assert db.session.get(Shift, shift.id).taken == 1
    cancel_all(shift, now=utcnow())
    assert db.session.get(Shift, shift.id).taken == 0
    assert db.session.get(Signup, earlier.id).status == SignupStatus.CANCELLED


def test_late_cancel_message_reads_the_cutoff(app, tree, people, login, monkeypatch):
    monkeypatch.setitem(app.config, "CANCEL_CUTOFF_MIN", 90)
    shift = make_shift(tree.community, starts_at=utcnow() + timedelta(minutes=60))
    client = login(people.member)
    client.post(f"/shifts/{shift.id}/signup")
    client.post(f"/shifts/{shift.id}/signup/cancel")
    html = client.get(f"/shifts/{shift.id}").get_data(as_text=True)
    with app.test_request_context():
        span = minutes_text(90)
    assert span in html and "迟取消" in html
