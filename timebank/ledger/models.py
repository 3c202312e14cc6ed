"""Ledger entries (append-only, hash-chained), the chain head, and correction requests."""

from datetime import datetime
from enum import StrEnum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TimestampMixin, UTCDateTime
from ..extensions import db
from ..members.models import Member


class EntryKind(StrEnum):
    SERVICE = "service"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"
    REDEMPTION = "redemption"
    TRANSFER = "transfer"

    @property
    def label(self):
        return ENTRY_LABELS[self]


ENTRY_LABELS = {
    EntryKind.SERVICE: _l("Service"),
    EntryKind.ADJUSTMENT: _l("Adjustment"),
    EntryKind.REVERSAL: _l("Reversal"),
    EntryKind.REDEMPTION: _l("Redemption"),
    EntryKind.TRANSFER: _l("Transfer"),
}


class LedgerEntry(db.Model):
    """One movement of minutes. Never updated, never deleted (database triggers refuse it);
    a correction is a new entry. `entry_hash` chains every entry to the one before it."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        sa.CheckConstraint(
            "kind IN ('service', 'adjustment', 'reversal', 'redemption', 'transfer')",
            name="kind_known",
        ),
        sa.CheckConstraint(
            "kind = 'service' OR (reason IS NOT NULL AND reason <> '')", name="reason_required"
        ),
        sa.CheckConstraint(
            "(kind = 'reversal') = (reverses_id IS NOT NULL)", name="reversal_has_target"
        ),
        sa.Index("ix_ledger_entries_member_created", "member_id", "created_at"),
        sa.Index("ix_ledger_entries_created_at", "created_at"),
        #: The dashboard sums the days of a month it compares with (month to date).
        sa.Index("ix_ledger_entries_effective_at", "effective_at"),
    )

    #: Assigned from the chain head (not a sequence), so it is part of the hashed content.
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: Integer minutes; negative for reversals of credits and for redemptions.
    minutes: Mapped[int]
    reason: Mapped[str | None] = mapped_column(sa.String(255))
    shift_id: Mapped[int | None] = mapped_column(sa.ForeignKey("shifts.id"), index=True)
    attendance_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attendances.id"))
    #: The entry this one reverses; each entry can be reversed once.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"), unique=True)
    #: The member's community when the entry was made (rankings by community and town).
    community_id: Mapped[int | None] = mapped_column(sa.ForeignKey("units.id"), index=True)
    #: Idempotency key of the source ("attendance:12"): a retried check-out cannot credit twice.
    source_key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the minutes were earned, for rankings by period: the shift's start for service
    #: and shift adjustments, the reversed entry's time for reversals, else created_at.
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    prev_hash: Mapped[str] = mapped_column(sa.String(64))
    entry_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    created_by: Mapped[Member | None] = relationship(foreign_keys=[created_by_id])

    @property
    def kind_enum(self) -> EntryKind:
        return EntryKind(self.kind)


class LedgerHead(db.Model):
    """The single row holding the chain's tip; writers lock it to append in turn."""

    __tablename__ = "ledger_head"
    __table_args__ = (sa.CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_id: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(sa.String(64))


class CorrectionStatus(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # by the member, while it was open


class Correction(TimestampMixin, db.Model):
    """A member's request to fix a missing or wrong record of a shift."""

    __tablename__ = "corrections"
    __table_args__ = (
        sa.CheckConstraint(
            "status IN ('open', 'approved', 'rejected', 'withdrawn')", name="status_known"
        ),
        sa.CheckConstraint("claimed_out > claimed_in", name="claimed_order"),
        sa.Index("ix_corrections_status", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("members.id"), index=True)
    shift_id: Mapped[int] = mapped_column(sa.ForeignKey("shifts.id"))
    claimed_in: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_out: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(sa.String(500))
    status: Mapped[str] = mapped_column(sa.String(10), default=CorrectionStatus.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("members.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_reason: Mapped[str | None] = mapped_column(sa.String(255))
    entry_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ledger_entries.id"))

    member: Mapped[Member] = relationship(foreign_keys=[member_id])
    shift = relationship("Shift")
    decided_by: Mapped[Member | None] = relationship(foreign_keys=[decided_by_id])


# Append-only, enforced by the database itself.
_SQLITE_TRIGGERS = [
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
    "CREATE TRIGGER ledger_entries_no_delete BEFORE DELETE ON ledger_entries "
    "BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only'); END",
]
_POSTGRES_TRIGGERS = [
    "CREATE OR REPLACE FUNCTION ledger_entries_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'ledger entries are append-only'; END; $$ LANGUAGE plpgsql",
    "CREATE TRIGGER ledger_entries_no_update BEFORE UPDATE OR DELETE ON ledger_entries "
    "FOR EACH ROW EXECUTE FUNCTION ledger_entries_append_only()",
    "CREATE TRIGGER ledger_entries_no_truncate BEFORE TRUNCATE ON ledger_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION ledger_entries_append_only()",
]


def append_only_ddl(dialect: str) -> list[str]:
    return _POSTGRES_TRIGGERS if dialect == "postgresql" else _SQLITE_TRIGGERS


@sa.event.listens_for(LedgerEntry.__table__, "after_create")
def _create_triggers(target, connection, **kw):
    for statement in append_only_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


@sa.event.listens_for(LedgerHead.__table__, "after_create")
def _seed_head(target, connection, **kw):
    connection.execute(target.insert().values(id=1, last_id=0, last_hash="0" * 64))
