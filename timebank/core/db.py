"""Database building blocks: a UTC datetime type, timestamps and SQLite connection set-up."""

import contextvars
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .clock import utcnow

#: Whether the current unit of work may write. On SQLite a writing transaction takes the
#: write lock at BEGIN (BEGIN IMMEDIATE), so a read-then-write never fails half-way with
#: "database is locked"; read-only requests begin DEFERRED and do not block writers.
write_intent: contextvars.ContextVar[bool] = contextvars.ContextVar("write_intent", default=True)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware datetime stored in UTC; naive datetimes are refused."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


def dialect() -> str:
    """The name of the session's database dialect ("postgresql", "sqlite")."""
    return db.session.get_bind().dialect.name


def configure_sqlite(engine: Engine) -> None:
    """WAL, a busy timeout, foreign keys, and transactions begun by us (see write_intent)."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, connection_record):
        # Let SQLAlchemy's begin event emit BEGIN itself (the pysqlite recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write_intent.get() else "BEGIN")
