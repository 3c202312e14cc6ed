"""The scan's decision as pure functions: plain values in, a code or an action out."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from timebank.checkin.decide import (
    MAX_LATE,
    SHIFT_MARGIN,
    Action,
    ScanFacts,
    ScanInput,
    action,
    refusal,
)

NOW = datetime(2026, 3, 18, 2, 0, tzinfo=UTC)
SCAN = ScanInput(
    scan_id="5b0c0f7e-2a6e-4a53-9d3e-1a1d5f0c2b11",
    shift_id=1,
    staff_id=2,
    member_id=3,
    qr_error=None,
    at=NOW,
    received_at=NOW,
    offline=False,
    time_refused=False,
    offline_since=None,
    lat=None,
    lon=None,
    override_reason="",
)
FACTS = ScanFacts(
    shift_cancelled=False,
    shift_starts_at=NOW - timedelta(hours=1),
    shift_ends_at=NOW + timedelta(hours=3),
    member_active=True,
    outside_m=None,
)
WITHIN = timedelta(seconds=60)


def test_an_ordinary_scan_is_not_refused():
    assert refusal(SCAN, FACTS, NOW) is None


@pytest.mark.parametrize(
    ("scan", "facts", "code"),
    [
        (replace(SCAN, at=NOW - MAX_LATE - timedelta(seconds=1)), FACTS, "scan_too_old"),
        (replace(SCAN, qr_error="qr_invalid"), FACTS, "qr_invalid"),
        (replace(SCAN, qr_error="qr_expired"), FACTS, "qr_expired"),
        (replace(SCAN, time_refused=True), FACTS, "qr_expired"),
        (SCAN, replace(FACTS, member_active=None), "member_not_active"),
        (SCAN, replace(FACTS, member_active=False), "member_not_active"),
        (SCAN, replace(FACTS, shift_cancelled=True), "shift_cancelled"),
        (
            SCAN,
            replace(FACTS, shift_starts_at=NOW + SHIFT_MARGIN + timedelta(seconds=1)),
            "scan_outside_shift",
        ),
        (SCAN, replace(FACTS, outside_m=120.0), "outside_geofence"),
        # the first rule broken is the one named
        (replace(SCAN, qr_error="qr_invalid"), replace(FACTS, shift_cancelled=True), "qr_invalid"),
    ],
)
def test_each_rule_refuses_with_its_code(scan, facts, code):
    assert refusal(scan, facts, NOW) == code


def test_a_reason_overrides_the_geofence():
    scan = replace(SCAN, override_reason="门岗搬到了路口")
    assert refusal(scan, replace(FACTS, outside_m=120.0), NOW) is None


def test_the_action_follows_the_attendance():
    assert action(SCAN, FACTS, WITHIN) == Action.CHECK_IN
    open_since = replace(FACTS, checked_in_at=NOW - timedelta(hours=1), attendance_open=True)
    assert action(SCAN, open_since, WITHIN) == Action.CHECK_OUT
    just_in = replace(open_since, checked_in_at=NOW - timedelta(seconds=30))
    assert action(SCAN, just_in, WITHIN) == Action.DUPLICATE
    closed = replace(open_since, attendance_open=False)
    assert action(SCAN, closed, WITHIN) == Action.DUPLICATE
    later_in = replace(open_since, checked_in_at=NOW + timedelta(minutes=30))
    assert action(SCAN, later_in, WITHIN) == Action.EARLIER_CHECK_IN
