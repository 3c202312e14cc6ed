"""Who is told what: the notifications domain's reactions to the other domains' signals.

Each domain announces what happened (`<domain>/signals.py`) and words its notices
(`<domain>/notices.py`); the receivers here decide whom to tell and with which params. They
run inside the sender's transaction and only flush. `CONNECTIONS` is subscribed by the app
factory's connection list (`timebank.create_app`), with every other domain's receivers.

Signal → who is told → which notice (the dispatch platform's: see dispatch_receivers):

- auth.reset_code_issued → the member, by SMS only (no inbox row) → RESET_CODE
- members.member_approved → the member → MEMBER_APPROVED
- members.member_rejected → the applicant (inbox, e-mail and SMS) → MEMBER_REJECTED
- members.transfer_decided → the member → TRANSFER_APPROVED / TRANSFER_NOT_APPROVED
- shifts.signup_promoted → the promoted member → SIGNUP_PROMOTED
- shifts.shift_time_changed → everyone signed up or waitlisted → SHIFT_CHANGED
- shifts.shift_cancelled → everyone who was signed up → SHIFT_CANCELLED
- shifts.series_changed / series_cancelled → everyone signed up to any of the series'
  shifts, once → SERIES_CHANGED / SERIES_CANCELLED
- shifts.reminder_due → the member → REMINDER_24H / REMINDER_1H
- ledger.correction_decided → the member → CORRECTION_APPROVED / CORRECTION_NOT_APPROVED
- mobilisation.members_invited → the wave's members → CALLOUT_INVITATION (its SMS asks
  a lettered question: sms.questions)
- mobilisation.invitation_answered → nobody: their invitation notice is marked read
- mobilisation.callout_short → the raiser → CALLOUT_SHORT
- mobilisation.callout_filled → each team → CALLOUT_TEAM; the others → CALLOUT_FILLED
  (their invitation is marked read); the raiser → CALLOUT_FILLED_RAISER
- mobilisation.callout_closed → those who accepted → CALLOUT_STOOD_DOWN (urgent); those
  whose invitation was withdrawn → CALLOUT_WITHDRAWN; everyone else invited →
  CALLOUT_STOOD_DOWN_INFO (every invitation notice, and the raiser's urgent shortfall, is
  marked read)
"""

from datetime import timedelta

import sqlalchemy as sa

from ..auth import notices as auth_notices
from ..auth import signals as auth_signals
from ..extensions import db
from ..ledger import notices as ledger_notices
from ..ledger import signals as ledger_signals
from ..ledger.models import CorrectionStatus
from ..members import notices as member_notices
from ..members import signals as member_signals
from ..members.models import Member, TransferStatus
from ..mobilisation import notices as callout_notices
from ..mobilisation import signals as callout_signals
from ..mobilisation.models import Invitation, InvitationStatus
from ..shifts import notices as shift_notices
from ..shifts import signals as shift_signals
from ..shifts.models import Signup, SignupStatus
from ..sms import questions as sms_questions
from .rendering import callout_kind_ref, span_ref, unit_ref
from .services import mark_read_about, notify, notify_many, send_sms

# auth -------------------------------------------------------------------------------------


def on_reset_code_issued(member, *, code, now, **_):
    send_sms(member, auth_notices.RESET_CODE, params={"code": code}, now=now)


# members ----------------------------------------------------------------------------------


def on_member_approved(member, *, now, **_):
    notify(
        member,
        member_notices.MEMBER_APPROVED,
        subject_id=member.id,
        params={"community": unit_ref(member.community)},
        now=now,
    )


def on_member_rejected(member, *, now, **_):
    notify(
        member,
        member_notices.MEMBER_REJECTED,
        subject_id=member.id,
        params={"community": unit_ref(member.community), "reason": member.rejected_reason},
        now=now,
    )


def on_transfer_decided(transfer, *, now, **_):
    approved = transfer.status == TransferStatus.APPROVED
    notify(
        transfer.member,
        member_notices.TRANSFER_APPROVED if approved else member_notices.TRANSFER_NOT_APPROVED,
        subject_id=transfer.id,
        params={"community": unit_ref(transfer.to_community), "reason": transfer.decision_reason},
        now=now,
    )


# shifts -----------------------------------------------------------------------------------


def _shift_params(shift, **more) -> dict:
    return {"title": shift.title, "when": span_ref(shift.starts_at, shift.ends_at), **more}


def on_signup_promoted(signup, *, shift, now, **_):
    notify(
        signup.member,
        shift_notices.SIGNUP_PROMOTED,
        subject_id=shift.id,
        params=_shift_params(shift),
        now=now,
    )


def on_shift_time_changed(shift, *, now, **_):
    members = db.session.scalars(
        sa.select(Member)
        .join(Signup, Signup.member_id == Member.id)
        .where(
            Signup.shift_id == shift.id,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
        )
    ).all()
    notify_many(
        members,
        shift_notices.SHIFT_CHANGED,
        subject_id=shift.id,
        params=_shift_params(shift),
        now=now,
    )


def on_shift_cancelled(shift, *, members, now, **_):
    notify_many(
        members,
        shift_notices.SHIFT_CANCELLED,
        subject_id=shift.id,
        params=_shift_params(shift, reason=shift.cancel_reason),
        now=now,
    )


def on_series_changed(shift, *, shifts, members, now, **_):
    notify_many(
        members,
        shift_notices.SERIES_CHANGED,
        subject_id=shift.id,
        params=_shift_params(shift, n=len(shifts)),
        now=now,
    )


def on_series_cancelled(shift, *, shifts, members, now, **_):
    notify_many(
        members,
        shift_notices.SERIES_CANCELLED,
        subject_id=shift.id,
        params=_shift_params(shift, n=len(shifts), reason=shift.cancel_reason),
        now=now,
    )


REMINDERS = {"24h": shift_notices.REMINDER_24H, "1h": shift_notices.REMINDER_1H}


def on_reminder_due(signup, *, lead, now, **_):
    shift = signup.shift
    place = shift.checkpoint.name if shift.checkpoint else unit_ref(shift.community)
    notify(
        signup.member,
        REMINDERS[lead],
        subject_id=shift.id,
        params=_shift_params(shift, place=place),
        now=now,
    )


# ledger -----------------------------------------------------------------------------------


def on_correction_decided(correction, *, now, **_):
    approved = correction.status == CorrectionStatus.APPROVED
    notify(
        correction.member,
        ledger_notices.CORRECTION_APPROVED if approved else ledger_notices.CORRECTION_NOT_APPROVED,
        subject_id=correction.id,
        params={"title": correction.shift.title, "reason": correction.decision_reason},
        now=now,
    )


# mobilisation -----------------------------------------------------------------------------

INVITATION_KINDS = [callout_notices.CALLOUT_INVITATION.kind]
RAISER_URGENT_KINDS = [callout_notices.CALLOUT_SHORT.kind]


def _members(ids) -> dict[int, Member]:
    ids = list(ids)
    if not ids:
        return {}
    return {m.id: m for m in db.session.scalars(sa.select(Member).where(Member.id.in_(ids)))}


def ask_by_text(members, subject_type: str, subject_id: int, *, expires_at, now) -> dict:
    """{member id: the letter of the question their SMS asks} (SPEC 9)."""
    by_phone = sms_questions.ask(
        [(m.phone, m.id) for m in members], subject_type, subject_id, expires_at=expires_at, now=now
    )
    return {m.id: by_phone[m.phone] for m in members}


def on_members_invited(callout, *, member_ids, now, **_):
    members = list(_members(member_ids).values())
    expires_at = now + timedelta(seconds=callout.respond_within_s)
    notify_many(
        members,
        callout_notices.CALLOUT_INVITATION,
        subject_id=callout.id,
        params={
            "kind": callout_kind_ref(callout.kind),
            "title": callout.title,
            "n": callout.needed,
            "m": max(1, callout.respond_within_s // 60),
        },
        now=now,
        letters=ask_by_text(members, "callout", callout.id, expires_at=expires_at, now=now),
    )


def on_invitation_answered(callout, *, invitation, now, **_):
    mark_read_about([invitation.member_id], "callout", callout.id, kinds=INVITATION_KINDS, now=now)


def on_callout_short(callout, *, now, **_):
    if callout.raised_by is None:
        return
    notify(
        callout.raised_by,
        callout_notices.CALLOUT_SHORT,
        subject_id=callout.id,
        params={"title": callout.title, "accepted": callout.accepted, "needed": callout.needed},
        now=now,
    )


def on_callout_closed(callout, *, withdrawn_ids, accepted_ids=(), other_ids=(), now, **_):
    """Everyone invited hears that it is stood down and why: urgently those who accepted
    (they may be on their way). Nothing about it stays urgent."""
    everyone = [*accepted_ids, *other_ids]
    mark_read_about(everyone, "callout", callout.id, kinds=INVITATION_KINDS, now=now)
    if callout.raised_by_id is not None:
        mark_read_about(
            [callout.raised_by_id], "callout", callout.id, kinds=RAISER_URGENT_KINDS, now=now
        )
    members = _members(everyone)
    params = {"title": callout.title, "reason": callout.close_reason or ""}
    withdrawn = set(withdrawn_ids)
    for ids, notice in (
        (accepted_ids, callout_notices.CALLOUT_STOOD_DOWN),
        ([m for m in other_ids if m in withdrawn], callout_notices.CALLOUT_WITHDRAWN),
        ([m for m in other_ids if m not in withdrawn], callout_notices.CALLOUT_STOOD_DOWN_INFO),
    ):
        notify_many(
            [members[m] for m in ids], notice, subject_id=callout.id, params=params, now=now
        )


def on_callout_filled(callout, *, teams, now, **_):
    """Each team hears who is in it and who leads; the others that they may stand down
    (their invitation stops being urgent); the raiser how many came."""
    invited = db.session.scalars(
        sa.select(Invitation).where(Invitation.callout_id == callout.id)
    ).all()
    by_id = _members(i.member_id for i in invited)
    for team in teams:
        _tell_team(callout, team, by_id, now)
    others = [i.member_id for i in invited if i.status != InvitationStatus.ACCEPTED]
    mark_read_about(others, "callout", callout.id, kinds=INVITATION_KINDS, now=now)
    notify_many(
        [by_id[m] for m in others],
        callout_notices.CALLOUT_FILLED,
        subject_id=callout.id,
        params={"title": callout.title},
        now=now,
    )
    if callout.raised_by is not None:
        notify(
            callout.raised_by,
            callout_notices.CALLOUT_FILLED_RAISER,
            subject_id=callout.id,
            params={"title": callout.title, "n": callout.accepted, "t": len(teams)},
            now=now,
        )


def _tell_team(callout, team, by_id: dict[int, Member], now) -> None:
    leader = by_id[team.leader_id]
    notify_many(
        [by_id[m] for m in team.member_ids],
        callout_notices.CALLOUT_TEAM,
        subject_id=callout.id,
        params={
            "n": team.number,
            "title": callout.title,
            "names": "、".join(by_id[m].name for m in team.member_ids),
            "leader": leader.name,
            "phone": leader.phone,
        },
        now=now,
    )


CONNECTIONS = [
    (auth_signals.reset_code_issued, on_reset_code_issued),
    (member_signals.member_approved, on_member_approved),
    (member_signals.member_rejected, on_member_rejected),
    (member_signals.transfer_decided, on_transfer_decided),
    (shift_signals.signup_promoted, on_signup_promoted),
    (shift_signals.shift_time_changed, on_shift_time_changed),
    (shift_signals.shift_cancelled, on_shift_cancelled),
    (shift_signals.series_changed, on_series_changed),
    (shift_signals.series_cancelled, on_series_cancelled),
    (shift_signals.reminder_due, on_reminder_due),
    (ledger_signals.correction_decided, on_correction_decided),
    (callout_signals.members_invited, on_members_invited),
    (callout_signals.invitation_answered, on_invitation_answered),
    (callout_signals.callout_short, on_callout_short),
    (callout_signals.callout_filled, on_callout_filled),
    (callout_signals.callout_closed, on_callout_closed),
]
