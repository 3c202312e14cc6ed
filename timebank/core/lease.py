"""A lease row in the database: of many processes asking, one holds it until it expires.

Works the same on SQLite and PostgreSQL. The holder renews it on every tick; when the
holder dies, another process takes it over once it has expired.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import UTCDateTime


class Lease(db.Model):
    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(sa.String(120))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


def acquire(name: str, holder: str, *, ttl: timedelta, now: datetime) -> bool:
    """Take or renew the lease; True when `holder` holds it until now + ttl."""
    result = db.session.execute(
        sa.update(Lease)
        .where(Lease.name == name, sa.or_(Lease.holder == holder, Lease.expires_at < now))
        .values(holder=holder, expires_at=now + ttl)
    )
    if result.rowcount == 1:
        return True
    if db.session.get(Lease, name) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Lease(name=name, holder=holder, expires_at=now + ttl))
    except sa.exc.IntegrityError:
        return False
    return True


def release(name: str, holder: str) -> None:
    db.session.execute(sa.delete(Lease).where(Lease.name == name, Lease.holder == holder))
