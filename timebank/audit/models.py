"""Audit log entries: who did what privileged thing, when, to what."""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin
from ..extensions import db
from ..members.models import Member
from ..units.models import Unit


class AuditEntry(TimestampMixin, db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"), index=True)
    #: Dotted action name, e.g. "member.approve", "role.grant", "units.import".
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(30))
    target_id: Mapped[int | None]
    #: The unit the action happened in, so each viewer sees only the log of their scope.
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[Member | None] = relationship(foreign_keys=[actor_id])
    unit: Mapped[Unit | None] = relationship()
