from datetime import UTC, datetime, timedelta

from timebank.checkin import tokens

T0 = datetime(2026, 3, 3, 8, 0, 0, tzinfo=UTC)
SECRET = "k1"


def _make(member_id=7, at=T0, secret=SECRET):
    return tokens.make_token(member_id, secret=secret, rotate_s=30, now=at)[0]


def _check(payload, at, secrets=(SECRET,)):
    return tokens.check_token(payload, secrets=list(secrets), rotate_s=30, at=at)


def test_token_rotates_every_window_and_never_carries_a_bare_id():
    a, b = _make(at=T0), _make(at=T0 + timedelta(seconds=30))
    assert a != b and a.startswith("TB1.7.") and len(a.split(".")[3]) == 22
    assert a != "7"


def test_token_is_accepted_for_its_window_and_the_next_only():
    payload = _make(at=T0 + timedelta(seconds=5))
    assert _check(payload, T0 + timedelta(seconds=29)) == tokens.Checked(7, None)
    assert _check(payload, T0 + timedelta(seconds=59)) == tokens.Checked(7, None)
    assert _check(payload, T0 + timedelta(seconds=60)) == tokens.Checked(7, "qr_expired")
    assert _check(payload, T0 - timedelta(seconds=1)) == tokens.Checked(7, "qr_expired")


def test_expires_at_is_the_end_of_the_next_window():
    payload, expires_at = tokens.make_token(
        7, secret=SECRET, rotate_s=30, now=T0 + timedelta(seconds=10)
    )
    assert expires_at == T0 + timedelta(seconds=60)
    assert _check(payload, expires_at - timedelta(microseconds=1)).error is None
    assert _check(payload, expires_at).error == "qr_expired"


def test_tampered_tokens_are_invalid():
    payload = _make()
    prefix, member, window, signature = payload.split(".")
    flipped = signature[:-2] + ("B" if signature[-2] == "A" else "A") + signature[-1]
    for forged in (
        f"{prefix}.8.{window}.{signature}",  # someone else's id
        f"{prefix}.{member}.{int(window) + 1}.{signature}",  # a later window
        f"{prefix}.{member}.{window}.{flipped}",
        "7",
        "",
        "TB1.7.1.short",
        None,
        12345,
    ):
        assert _check(forged, T0).error == "qr_invalid", forged
    assert _check(_make(secret="other"), T0).error == "qr_invalid"


def test_old_keys_still_verify_during_rotation():
    payload = _make(secret="old")
    assert _check(payload, T0, secrets=("new", "old")).error is None
