"""Members and their transfers between communities."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..units.models import Unit


class MemberStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    #: A coordinator turned the registration down, with a reason the applicant is told.
    REJECTED = "rejected"


STATUS_LABELS = {
    MemberStatus.PENDING: _l("Awaiting approval"),
    MemberStatus.ACTIVE: _l("Active"),
    MemberStatus.SUSPENDED: _l("Suspended"),
    MemberStatus.REJECTED: _l("Not approved"),
}
#: Statuses that cannot sign in or use a token.
LOCKED_OUT = frozenset({MemberStatus.SUSPENDED, MemberStatus.REJECTED})


class TransferStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


class Member(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "members"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'rejected')", name="status_known"
        ),
        sa.CheckConstraint("home_lat IS NULL OR (home_lat BETWEEN -90 AND 90)", name="lat_range"),
        sa.CheckConstraint("home_lon IS NULL OR (home_lon BETWEEN -180 AND 180)", name="lon_range"),
        sa.Index("ix_members_community_status", "community_id", "status"),
        sa.Index("ix_members_home", "home_lat", "home_lon"),
        # The coordinators' "waiting for approval" badge is on every page they open: a
        # partial index keeps its count to the pending few, not every member.
        sa.Index(
            "ix_members_pending",
            "community_id",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    #: Normalised mainland mobile number (11 digits); the login.
    phone: Mapped[str] = mapped_column(sa.String(20), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    is_party_member: Mapped[bool] = mapped_column(default=True)
    #: Skill tags, a sorted list of strings from members.skills.SKILLS.
    skills: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    home_lat: Mapped[float | None]
    home_lon: Mapped[float | None]
    workplace: Mapped[str | None] = mapped_column(sa.String(120))
    #: Optional; when set, notifications are also sent by e-mail.
    email: Mapped[str | None] = mapped_column(sa.String(255))
    #: Secret for the personal iCalendar feed URL; regenerated on demand.
    calendar_token: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    grid_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"))
    status: Mapped[str] = mapped_column(sa.String(16), default=MemberStatus.PENDING)
    #: Preferred interface language ("zh_CN" or "en"); used for pages and messages.
    locale: Mapped[str] = mapped_column(sa.String(8), default="zh_CN")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_reason: Mapped[str | None] = mapped_column(sa.String(255))
    rejected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rejected_reason: Mapped[str | None] = mapped_column(sa.String(255))
    #: Bumped on password change or reset, suspension and "sign out everywhere": sessions
    #: (auth.sessions) and API tokens made under an older version stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)

    community: Mapped[Unit] = relationship(foreign_keys=[community_id])
    grid: Mapped[Unit | None] = relationship(foreign_keys=[grid_id])
    roles: Mapped[list["RoleAssignment"]] = relationship(  # noqa: F821
        back_populates="member",
        foreign_keys="RoleAssignment.member_id",
        cascade="all, delete-orphan",
    )

    #: The id of the server-side session this object was signed in with (auth.sessions);
    #: set by the sign-in and the user loader, never stored on the member.
    session_token = None

    # Flask-Login
    def get_id(self) -> str:
        """The session cookie's user id: the random id of a row in `sessions`."""
        if not self.session_token:
            raise RuntimeError("sign members in with blueprints.auth.session.sign_in")
        return self.session_token

    @property
    def is_active(self) -> bool:  # Flask-Login: suspended and rejected members cannot sign in
        return self.status not in LOCKED_OUT

    @property
    def is_pending(self) -> bool:
        """Waiting for approval: may see and edit their own profile only (SPEC 3.8)."""
        return self.status == MemberStatus.PENDING

    @property
    def is_approved(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    @property
    def status_label(self):
        return STATUS_LABELS[MemberStatus(self.status)]

    def __repr__(self) -> str:
        return f"<Member {self.id} {self.status}>"


class Transfer(TimestampMixin, db.Model):
    """A request to report to another community; the new community's coordinator decides."""

    __tablename__ = "member_transfers"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'withdrawn')", name="status_known"
        ),
        # At most one open request per member.
        sa.Index(
            "uq_member_transfers_one_pending",
            "member_id",
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    from_community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    to_community_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=TransferStatus.PENDING)
    note: Mapped[str | None] = mapped_column(sa.String(255))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    decision_reason: Mapped[str | None] = mapped_column(sa.String(255))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    from_community: Mapped[Unit] = relationship(foreign_keys=[from_community_id])
    to_community: Mapped[Unit] = relationship(foreign_keys=[to_community_id])
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])

    @property
    def status_label(self):
        return TRANSFER_LABELS[TransferStatus(self.status)]


TRANSFER_LABELS = {
    TransferStatus.PENDING: _l("Waiting for a decision"),
    TransferStatus.APPROVED: _l("Approved"),
    TransferStatus.REJECTED: _l("Rejected"),
    TransferStatus.WITHDRAWN: _l("Withdrawn"),
}
