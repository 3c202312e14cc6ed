"""Writing the audit log. Every privileged service calls record() in its own transaction."""

import logging
from datetime import datetime

from ..core.clock import utcnow
from ..extensions import db
from .models import AuditEntry

log = logging.getLogger(__name__)


def record(
    actor,
    action: str,
    target,
    *,
    unit_id: int | None = None,
    details: dict | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Add an audit entry for `actor` doing `action` to `target` (a model instance)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        action=action,
        target_type=type(target).__name__ if target is not None else "",
        target_id=getattr(target, "id", None),
        unit_id=unit_id,
        details=details or {},
        created_at=now or utcnow(),
    )
    db.session.add(entry)
    db.session.flush()
    log.info("audit %s by %s on %s %s", action, entry.actor_id, entry.target_type, entry.target_id)
    return entry
