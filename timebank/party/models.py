"""Party organisations, members' branches, secretaries, negative lists and checks (SPEC 7).

The party tree (committee > general branch > branch) is a second tree beside the units:
a member belongs to at most one branch (组织关系) and reports to a community (报到). The
`secretary` role lives here, not on units (see auth.permissions, "Party organisations").
"""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class OrgKind(StrEnum):
    COMMITTEE = "committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"


#: Which kind may sit below which: a branch below a general branch or a committee.
KIND_PARENTS = {
    OrgKind.COMMITTEE: {None, OrgKind.COMMITTEE},
    OrgKind.GENERAL_BRANCH: {OrgKind.COMMITTEE},
    OrgKind.BRANCH: {OrgKind.COMMITTEE, OrgKind.GENERAL_BRANCH},
}

FIELDS = ["rural", "community", "organ", "soe", "two_new"]
TARGETS = ["member", "organisation"]
INDICATORS = [
    "service_minutes_below",
    "no_shows_above",
    "late_cancellations_above",
    "callout_response_rate_below",
    "lectures_attended_below",
]
#: Indicators of an organisation's own sheet (target `organisation`): months of the period
#: (gone by at opening) without a lecture at the organisation's lecture points, events
#: its members handled, and its members' call-out response rate.
ORG_INDICATORS = [
    "lecture_months_missed_above",
    "events_handled_below",
    "callout_response_rate_below",
]
ALL_INDICATORS = list(dict.fromkeys([*INDICATORS, *ORG_INDICATORS]))
#: The indicators an item of each target may carry.
TARGET_INDICATORS = {"member": INDICATORS, "organisation": ORG_INDICATORS}


class MembershipStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    #: Turned down by a secretary in scope or an admin, with a reason.
    REFUSED = "refused"
    #: Was the member's confirmed branch until another one was confirmed (history).
    REPLACED = "replaced"
    #: A pending request the member replaced by naming another branch.
    WITHDRAWN = "withdrawn"


#: The live statuses: a member has at most one row of each (partial unique indexes).
LIVE = (MembershipStatus.PENDING, MembershipStatus.CONFIRMED)


class PartyOrg(db.Model):
    """A party organisation: 党委, 党总支 or 党支部, with its field and parent."""

    __tablename__ = "party_orgs"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('committee', 'general_branch', 'branch')", name="kind_known"),
        sa.CheckConstraint(
            "field IN ('rural', 'community', 'organ', 'soe', 'two_new')", name="field_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(16))
    field: Mapped[str] = mapped_column(sa.String(16))
    parent_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_orgs.id"), index=True)
    #: Materialised path of ids from the root, e.g. "/1/4/": a subtree is a prefix match.
    path: Mapped[str] = mapped_column(sa.String(255), index=True, default="")
    #: The unit whose organisers act on this organisation (opening checks); None: the root.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    parent: Mapped["PartyOrg | None"] = relationship(remote_side=[id])
    unit: Mapped[Unit | None] = relationship()

    def contains(self, other: "PartyOrg") -> bool:
        return other.path.startswith(self.path)


class PartyMembership(db.Model):
    """A member's branch (组织关系): asked for by the member (pending until a secretary in
    scope or an admin confirms or refuses it) or set by a secretary (confirmed at once).

    The rows are the history: a member has at most one `confirmed` and one `pending` row
    (partial unique indexes); a confirmed branch that another replaces stays as `replaced`.
    """

    __tablename__ = "party_memberships"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'confirmed', 'refused', 'replaced', 'withdrawn')",
            name="status_known",
        ),
        sa.Index("ix_party_memberships_org_status", "party_org_id", "status"),
        sa.Index(
            "uq_party_memberships_one_confirmed",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status = 'confirmed'"),
            postgresql_where=sa.text("status = 'confirmed'"),
        ),
        sa.Index(
            "uq_party_memberships_one_pending",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    party_org_id: Mapped[int] = mapped_column(sa.ForeignKey("party_orgs.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=MembershipStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    #: When it stopped being live (refused, replaced, withdrawn), by whom, and why (refused).
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    reason: Mapped[str | None] = mapped_column(sa.String(255))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    party_org: Mapped[PartyOrg] = relationship()


class PartySecretary(db.Model):
    """The `secretary` role on a party organisation: it covers the organisation's subtree."""

    __tablename__ = "party_secretaries"
    __table_args__ = (sa.UniqueConstraint("member_id", "party_org_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    party_org_id: Mapped[int] = mapped_column(sa.ForeignKey("party_orgs.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    party_org: Mapped[PartyOrg] = relationship()

    #: Shaped like a RoleAssignment for the roles API: a role with no unit.
    role = "secretary"
    unit_id = None
    unit = None


class ChecklistItem(db.Model):
    """One item of a negative list (负面清单): what it says and the points it costs."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        sa.UniqueConstraint("field", "target", "code"),
        sa.CheckConstraint("points BETWEEN 1 AND 20", name="points_range"),
        sa.CheckConstraint("target IN ('member', 'organisation')", name="target_known"),
        sa.CheckConstraint(
            "(indicator IS NULL) = (threshold IS NULL)", name="indicator_has_threshold"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    field: Mapped[str] = mapped_column(sa.String(16))
    target: Mapped[str] = mapped_column(sa.String(16))
    code: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.String(500))
    points: Mapped[int]
    indicator: Mapped[str | None] = mapped_column(sa.String(40))
    threshold: Mapped[float | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CheckStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class Check(db.Model):
    """A check (体检) of a party organisation's members for a period (`2026H1`, `2026`)."""

    __tablename__ = "party_checks"
    __table_args__ = (
        sa.UniqueConstraint("party_org_id", "period", name="uq_party_checks_org_period"),
        sa.CheckConstraint("status IN ('open', 'closed')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_org_id: Mapped[int] = mapped_column(sa.ForeignKey("party_orgs.id"))
    period: Mapped[str] = mapped_column(sa.String(8))
    status: Mapped[str] = mapped_column(sa.String(8), default=CheckStatus.OPEN)
    opened_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)

    party_org: Mapped[PartyOrg] = relationship()


class SheetStatus(StrEnum):
    DRAFT = "draft"
    SELF_ASSESSED = "self_assessed"
    REVIEWED = "reviewed"
    FINAL = "final"


class Sheet(db.Model):
    """One sheet of a check: a member's (target `member`) or a party organisation's own
    (target `organisation`, no member: the organisation is `party_org_id`). Indicators
    from the records, items, score, grade; one state machine for both (party.sheets)."""

    __tablename__ = "party_sheets"
    __table_args__ = (
        sa.UniqueConstraint("check_id", "member_id"),
        sa.CheckConstraint("target IN ('member', 'organisation')", name="target_known"),
        sa.CheckConstraint(
            "(target = 'member') = (member_id IS NOT NULL)", name="member_iff_member_target"
        ),
        sa.Index(
            "uq_party_sheets_check_org",
            "check_id",
            "party_org_id",
            unique=True,
            sqlite_where=sa.text("target = 'organisation'"),
            postgresql_where=sa.text("target = 'organisation'"),
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'self_assessed', 'reviewed', 'final')", name="status_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(sa.ForeignKey("party_checks.id"), index=True)
    #: The member (None on an organisation's sheet).
    member_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    #: The member's branch, or the organisation a `organisation` sheet is about.
    party_org_id: Mapped[int] = mapped_column(sa.ForeignKey("party_orgs.id"))
    target: Mapped[str] = mapped_column(sa.String(16), default="member", server_default="member")
    status: Mapped[str] = mapped_column(sa.String(16), default=SheetStatus.DRAFT)
    service_minutes: Mapped[int] = mapped_column(default=0)
    shifts_served: Mapped[int] = mapped_column(default=0)
    no_shows: Mapped[int] = mapped_column(default=0)
    late_cancellations: Mapped[int] = mapped_column(default=0)
    #: Call-out invitations that asked for an answer, and those answered (as in rankings).
    callouts_asked: Mapped[int] = mapped_column(default=0)
    callouts_answered: Mapped[int] = mapped_column(default=0)
    lectures_attended: Mapped[int] = mapped_column(default=0)
    lectures_held: Mapped[int] = mapped_column(default=0)
    #: An organisation's sheet: months gone by in the period without a lecture at its
    #: lecture points (None: it has none), and events its subtree's members handled.
    lecture_months_missed: Mapped[int | None]
    events_handled: Mapped[int] = mapped_column(default=0, server_default="0")
    note: Mapped[str | None] = mapped_column(sa.String(1000))
    score: Mapped[int | None]
    grade: Mapped[str | None] = mapped_column(sa.String(12))
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rectification: Mapped[str | None] = mapped_column(sa.String(1000))
    #: The party organisation's comment (组织评语) on an annual sheet, before it is final.
    org_comment: Mapped[str | None] = mapped_column(sa.String(1000))
    org_comment_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    org_comment_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    check_: Mapped[Check] = relationship()
    member: Mapped[Member | None] = relationship(foreign_keys=[member_id])
    party_org: Mapped[PartyOrg] = relationship()
    items: Mapped[list["SheetItem"]] = relationship(
        order_by="SheetItem.code", back_populates="sheet"
    )

    @property
    def is_org(self) -> bool:
        return self.target == "organisation"

    @property
    def callout_response_rate(self) -> float | None:
        """Answered of asked, as in rankings; None for a member never asked."""
        return (
            round(self.callouts_answered / self.callouts_asked, 3) if self.callouts_asked else None
        )


class Decision(StrEnum):
    CONFIRMED = "confirmed"
    DROPPED = "dropped"


class SheetItem(db.Model):
    """An item of the list on one sheet: tripped automatically, ticked, decided."""

    __tablename__ = "party_sheet_items"
    __table_args__ = (
        sa.UniqueConstraint("sheet_id", "code"),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('confirmed', 'dropped')", name="decision_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("party_sheets.id"))
    code: Mapped[str] = mapped_column(sa.String(40))
    text: Mapped[str] = mapped_column(sa.String(500))
    points: Mapped[int]
    auto: Mapped[bool] = mapped_column(default=False)
    self_: Mapped[bool] = mapped_column("self", default=False)
    decision: Mapped[str | None] = mapped_column(sa.String(12))
    reason: Mapped[str | None] = mapped_column(sa.String(500))

    sheet: Mapped[Sheet] = relationship(back_populates="items")


class SheetReview(db.Model):
    """The history of a sheet's decisions: every review, and corrections after it is final."""

    __tablename__ = "party_sheet_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    sheet_id: Mapped[int] = mapped_column(sa.ForeignKey("party_sheets.id"), index=True)
    by_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    code: Mapped[str] = mapped_column(sa.String(40))
    decision: Mapped[str] = mapped_column(sa.String(12))
    reason: Mapped[str | None] = mapped_column(sa.String(500))
    #: A correction of a final sheet: recorded here, the sheet itself is never changed.
    correction: Mapped[bool] = mapped_column(default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LecturePoint(db.Model):
    """A lecture point (三新讲学所) or a party school: a checkpoint (the place where its
    lectures are held and scanned) tied to a community or a party organisation. Its
    lectures are `lecture` shifts at that checkpoint: study, never service."""

    __tablename__ = "lecture_points"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('lecture_point', 'party_school')", name="kind_known"),
        sa.CheckConstraint(
            "community_id IS NOT NULL OR party_org_id IS NOT NULL", name="has_an_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    kind: Mapped[str] = mapped_column(sa.String(16), default="lecture_point")
    checkpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("checkpoints.id"), unique=True)
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    party_org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("party_orgs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
