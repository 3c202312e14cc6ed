"""A personal iCalendar feed of one's shifts, at a secret URL calendar apps subscribe to."""

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from ..core.clock import utcnow
from ..core.i18n import DEFAULT_LOCALE, unit_name
from ..extensions import db
from ..integrations.lazy import lazy_module
from ..members.models import Member
from .models import Shift, Signup, SignupStatus

icalendar = lazy_module("icalendar")

#: How far back the feed reaches.
HISTORY = timedelta(days=60)


def ensure_calendar_token(member: Member) -> str:
    """The member's feed secret, made on first use."""
    if not member.calendar_token:
        member.calendar_token = secrets.token_urlsafe(24)
        db.session.flush()
    return member.calendar_token


def regenerate_calendar_token(member: Member) -> str:
    """A new secret: the old feed URL stops working (e.g. after it was shared by mistake)."""
    member.calendar_token = secrets.token_urlsafe(24)
    db.session.flush()
    return member.calendar_token


def find_member_by_calendar_token(token: str) -> Member | None:
    if not token:
        return None
    return db.session.scalar(sa.select(Member).where(Member.calendar_token == token))


def build_ics(
    member: Member, *, host: str, base_url: str | None = None, now: datetime | None = None
) -> bytes:
    """The member's confirmed and waitlisted shifts from HISTORY ago on, as iCalendar.

    Each event links to the shift's page under `base_url` (the address the feed was asked
    at, scheme included: http stays http), else under https://`host`."""
    base_url = (base_url or f"https://{host}").rstrip("/")
    now = now or utcnow()
    rows = db.session.execute(
        sa.select(Signup, Shift)
        .join(Shift, Shift.id == Signup.shift_id)
        .where(
            Signup.member_id == member.id,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
            Shift.ends_at > now - HISTORY,
        )
        .order_by(Shift.starts_at)
    ).all()
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Nansha Party Member Time Bank//timebank//ZH")
    cal.add("version", "2.0")
    with force_locale(member.locale):
        calendar_name = _("Nansha Time Bank") + " · " + member.name
        waitlisted = _("[waitlist]") + " "
    cal.add("x-wr-calname", calendar_name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for signup, shift in rows:
        event = icalendar.Event()
        event.add("uid", f"shift-{shift.id}-member-{member.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        waiting = signup.status == SignupStatus.WAITLISTED
        event.add("summary", (waitlisted if waiting else "") + shift.title)
        where = unit_name(shift.community, member.locale or DEFAULT_LOCALE) + (
            f" · {shift.checkpoint.name}" if shift.checkpoint else ""
        )
        event.add("location", where)
        if shift.checkpoint:
            event.add("geo", (shift.checkpoint.lat, shift.checkpoint.lon))
        event.add("description", shift.description or "")
        event.add(
            "status",
            "CANCELLED" if shift.is_cancelled else ("TENTATIVE" if waiting else "CONFIRMED"),
        )
        event.add("url", f"{base_url}/shifts/{shift.id}")
        cal.add_component(event)
    return cal.to_ical()
