"""What the call-out pages show: labels, durations and the live page's state.

The live page is drawn once by its template and then redrawn by callout-live.js from
`live_state()`, the same dict its JSON endpoint returns.
"""

from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...auth.permissions import can_see_phone
from ...core.clock import utcnow
from ...core.privacy import mask_phone
from ...mobilisation import queries
from ..api.mobilisation import callout_out

CALLOUT_STATUS = {
    "open": (_l("Calling"), "text-bg-primary"),
    "filled": (_l("Filled"), "text-bg-success"),
    "short": (_l("Short"), "text-bg-danger"),
    "closed": (_l("Closed"), "text-bg-secondary"),
}
INVITATION_STATUS = {
    "pending": (_l("Waiting"), "text-bg-warning"),
    "accepted": (_l("Accepted"), "text-bg-success"),
    "declined": (_l("Declined"), "text-bg-secondary"),
    "expired": (_l("No answer in time"), "text-bg-dark"),
    "not_needed": (_l("Not needed"), "text-bg-light border"),
}

#: The live page's headline per status; %(n)s is the head-count (filled) or the shortfall.
BANNERS = {
    "open": (_l("Looking for %(n)s more."), "alert-primary"),
    "filled": (_l("Filled: all %(n)s places are taken."), "alert-success"),
    "short": (_l("Short by %(n)s: no more members can be invited."), "alert-danger"),
    "closed": (_l("Closed."), "alert-secondary"),
    "stood_down": (_l("Stood down: %(reason)s"), "alert-secondary"),
}


def duration_text(seconds) -> str:
    """12 s, 3 min 20 s, 1 h 5 min."""
    if seconds is None:
        return "—"
    seconds = max(0, int(seconds))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if h:
        return _("%(h)s h %(m)s min", h=h, m=m)
    if m:
        return _("%(m)s min %(s)s s", m=m, s=s)
    return _("%(s)s s", s=s)


def _iso(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    return value


def invitation_row(viewer, invitation) -> dict:
    member = invitation.member
    visible = can_see_phone(viewer, member)
    return {
        "id": invitation.id,
        "member_id": member.id,
        "name": member.name,
        "phone": member.phone if visible else mask_phone(member.phone),
        "phone_visible": visible,
        "status": invitation.status,
        "wave": invitation.wave,
        "distance_m": invitation.distance_m,
        "sent_at": invitation.sent_at,
        "answered_at": invitation.answered_at,
        "team_number": invitation.team_number,
        "is_leader": invitation.is_leader,
    }


def live_state(viewer, callout) -> dict:
    """The call-out as the API gives it, with its invitations (nearest first within each
    wave) and the server's clock, JSON-ready."""
    rows = sorted(
        (invitation_row(viewer, i) for i in queries.list_invitations_of(callout)),
        key=lambda r: (r["wave"], r["distance_m"], r["id"]),
    )
    return _iso({**callout_out(callout), "invitations": rows, "server_time": utcnow()})


def waves(rows: list[dict]) -> list[dict]:
    """Invitation rows grouped by wave, in order, with the time each wave was sent."""
    grouped: dict[int, list[dict]] = {}
    for row in rows:
        grouped.setdefault(row["wave"], []).append(row)
    return [
        {"number": n, "sent_at": datetime.fromisoformat(group[0]["sent_at"]), "rows": group}
        for n, group in sorted(grouped.items())
    ]


def banner_key(state: dict) -> str:
    """Which headline: the status's, or "stood_down" when an organiser gave a reason."""
    stood_down = state["status"] == "closed" and state["close_reason"]
    return "stood_down" if stood_down else state["status"]


def banner(state: dict) -> tuple[str, str]:
    """The headline of the live page and its alert colour."""
    text, cls = BANNERS[banner_key(state)]
    n = state["needed"] if state["status"] == "filled" else state["shortfall"]
    return str(text) % {"n": n, "reason": state["close_reason"]}, cls


def teams(state: dict) -> list[dict]:
    """The teams with their members' rows, the leader first."""
    by_member = {r["member_id"]: r for r in state["invitations"]}
    out = []
    for team in state["teams"]:
        members = [by_member[m] for m in team["member_ids"] if m in by_member]
        members.sort(key=lambda r: not r["is_leader"])
        out.append({"number": team["number"], "members": members})
    return out


def live_texts() -> dict:
    """The live page script's words (the script has no catalogue)."""
    return {
        "status": {k: [str(label), cls] for k, (label, cls) in CALLOUT_STATUS.items()},
        "invitation": {k: [str(label), cls] for k, (label, cls) in INVITATION_STATUS.items()},
        "h_m": _("%(h)s h %(m)s min", h="{h}", m="{m}"),
        "m_s": _("%(m)s min %(s)s s", m="{m}", s="{s}"),
        "s": _("%(s)s s", s="{s}"),
        "team": _("Team %(n)s", n="{n}"),
        "leader": _("Leader"),
        "wave": _("Wave %(n)s", n="{n}"),
        "sent": _("sent %(time)s", time="{time}"),
        "km": _("%(km)s km", km="{km}"),
        "banner": {
            k: [str(text) % {"n": "{n}", "reason": "{reason}"}, cls]
            for k, (text, cls) in BANNERS.items()
        },
        "since": _("Time since raised"),
        "ran_for": _("Ran for"),
        "waves": _("Waves sent: %(n)s", n="{n}"),
        "no_teams": _("Teams are formed when the call-out is filled."),
        "no_invitations": _("Nobody could be invited yet."),
        "offline": _("Connection lost: retrying…"),
        "signed_out": _("You are signed out: reload the page to sign in again."),
    }
