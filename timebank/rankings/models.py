"""Per-period totals of credited minutes, by member, community and town."""

from enum import StrEnum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db


class Subject(StrEnum):
    MEMBER = "member"
    COMMUNITY = "community"
    TOWN = "town"


PERIODS = ("week", "month", "quarter", "year", "all")


class RankingTotal(db.Model):
    """Minutes and shifts of one subject in one period (e.g. member 7, month "2026-03").

    Moved in the same transaction as every ledger entry (INSERT … ON CONFLICT DO UPDATE),
    so a ranking page reads a few indexed rows instead of summing the ledger.
    """

    __tablename__ = "ranking_totals"
    __table_args__ = (
        sa.UniqueConstraint("subject", "subject_id", "period", "period_key"),
        sa.CheckConstraint("subject IN ('member', 'community', 'town')", name="subject_known"),
        sa.CheckConstraint(
            "period IN ('week', 'month', 'quarter', 'year', 'all')", name="period_known"
        ),
        # town_id and community_id ride along so that scope filters and the count of those
        # ahead of the viewer read the index alone (an index-only scan), not every row.
        sa.Index(
            "ix_ranking_totals_top",
            "subject",
            "period",
            "period_key",
            "minutes",
            "town_id",
            "community_id",
        ),
        sa.Index("ix_ranking_totals_town", "subject", "period", "period_key", "town_id", "minutes"),
        sa.Index(
            "ix_ranking_totals_community",
            "subject",
            "period",
            "period_key",
            "community_id",
            "minutes",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(10))
    subject_id: Mapped[int]
    period: Mapped[str] = mapped_column(sa.String(8))
    #: "2026-W09", "2026-03", "2026-Q1", "2026" or "all" (Asia/Shanghai calendar).
    period_key: Mapped[str] = mapped_column(sa.String(8))
    minutes: Mapped[int] = mapped_column(default=0)
    #: Service entries with minutes (net of their reversals): shifts served.
    shifts: Mapped[int] = mapped_column(default=0)
    #: Where the subject belongs (member rows: their community and town), for scoping.
    community_id: Mapped[int | None]
    town_id: Mapped[int | None]
