"""Role assignments and API bearer tokens."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class Role(StrEnum):
    STAFF = "staff"
    COORDINATOR = "coordinator"
    ORGANISER = "organiser"
    ADMIN = "admin"
    #: A grid worker (网格员) on a grid or a community: outside the chain below.
    GRIDWORKER = "gridworker"

    @property
    def rank(self) -> int:
        """Place in the staff ⊂ coordinator ⊂ organiser ⊂ admin chain; -1 outside it."""
        return ROLE_ORDER.index(self) if self in ROLE_ORDER else -1

    @property
    def label(self):
        return ROLE_LABELS[self]

    def covers(self, needed: "Role") -> bool:
        """Rights nest: admin ⊇ organiser ⊇ coordinator ⊇ staff. A role outside the chain
        (gridworker) covers only itself, and no role of the chain covers it."""
        if self not in ROLE_ORDER or needed not in ROLE_ORDER:
            return self == needed
        return self.rank >= needed.rank


ROLE_ORDER = [Role.STAFF, Role.COORDINATOR, Role.ORGANISER, Role.ADMIN]
ROLE_LABELS = {
    Role.STAFF: _l("Checkpoint staff"),
    Role.COORDINATOR: _l("Community coordinator"),
    Role.ORGANISER: _l("Organiser"),
    Role.ADMIN: _l("Administrator"),
    Role.GRIDWORKER: _l("Grid worker"),
}


class RoleAssignment(TimestampMixin, db.Model):
    __tablename__ = "role_assignments"
    __table_args__ = (
        sa.UniqueConstraint("member_id", "role", "unit_id"),
        sa.CheckConstraint(
            "role IN ('staff', 'coordinator', 'organiser', 'admin', 'gridworker')",
            name="role_known",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    granted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    member: Mapped[Member] = relationship(back_populates="roles", foreign_keys=[member_id])
    unit: Mapped[Unit] = relationship()
    granted_by: Mapped[Member | None] = relationship(foreign_keys=[granted_by_id])

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class ApiToken(TimestampMixin, db.Model):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The member's session_version when issued: a password change revokes older tokens.
    session_version: Mapped[int] = mapped_column(default=1)

    member: Mapped[Member] = relationship()


class MemberSession(TimestampMixin, db.Model):
    """One signed-in browser: the server-side half of a session cookie (see auth.sessions)."""

    __tablename__ = "sessions"
    __table_args__ = (sa.Index("ix_sessions_member_live", "member_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random id the cookie carries; the id itself is never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    #: The member's session_version at sign-in: bumping it ends every older session.
    session_version: Mapped[int] = mapped_column(default=1)
    #: Updated at most every few minutes (auth.sessions.TOUCH_EVERY), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    user_agent: Mapped[str] = mapped_column(sa.String(255), default="")
    #: Set by signing out (this device or everywhere); an ended session never signs in again.
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    member: Mapped[Member] = relationship()


class ResetCode(TimestampMixin, db.Model):
    """A one-time password reset code; only its keyed hash is stored (see auth.reset)."""

    __tablename__ = "reset_codes"
    __table_args__ = (
        sa.CheckConstraint("kind IN ('sms', 'coordinator')", name="kind_known"),
        sa.CheckConstraint("tries >= 0", name="tries_not_negative"),
        # One live code of each kind per member: a new request replaces the old code.
        sa.Index(
            "uq_reset_codes_one_live",
            "member_id",
            "kind",
            unique=True,
            sqlite_where=sa.text("spent_at IS NULL"),
            postgresql_where=sa.text("spent_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    #: "sms" (sent to the member's phone) or "coordinator" (given by a coordinator).
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: HMAC-SHA256 of the code under the app's secret key.
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Wrong codes tried so far; at auth.reset.MAX_TRIES the code is spent.
    tries: Mapped[int] = mapped_column(default=0)
    #: Used, replaced, or tried too often: never accepted again.
    spent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
