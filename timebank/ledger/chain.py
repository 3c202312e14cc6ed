"""The hash chain: canonical serialisation of an entry, and appending under the head lock.

entry_hash = sha256(prev_hash || canonical(entry)). Appending takes the chain head row
FOR UPDATE (PostgreSQL; SQLite's single writer serialises anyway), gives the entry the next
id, and moves the head, all in the caller's transaction: concurrent writers wait their turn
and the chain never forks. Then `signals.entries_appended` is sent: the rankings domain
keeps its totals on it, in the same transaction. This module only chains and inserts.
"""

import functools
import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from ..core.clock import as_utc
from ..extensions import db
from ..shifts.models import Shift
from . import signals
from .models import LedgerEntry, LedgerHead

GENESIS = "0" * 64
HASHED_FIELDS = (
    "id",
    "member_id",
    "kind",
    "minutes",
    "reason",
    "shift_id",
    "attendance_id",
    "reverses_id",
    "community_id",
    "source_key",
    "created_by_id",
)


def canonical(entry) -> bytes:
    """The hashed content of an entry (a LedgerEntry or a row with the same columns)."""
    data = {name: getattr(entry, name) for name in HASHED_FIELDS}
    data["created_at"] = as_utc(entry.created_at).isoformat(timespec="microseconds")
    data["effective_at"] = as_utc(entry.effective_at).isoformat(timespec="microseconds")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def entry_hash(prev_hash: str, entry) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(entry)).hexdigest()


_HEAD = LedgerHead.__table__
#: The hot path's statements, made once (a check-out sends each of them).
_LOCK_HEAD = sa.select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = sa.update(_HEAD).where(_HEAD.c.id == 1)  # SET from the parameters
_INSERT_ENTRY = sa.insert(LedgerEntry.__table__)


#: Where a transaction keeps the head it has locked (in `Session.info`, forgotten when any
#: transaction or savepoint of the session ends).
_HELD = "timebank.ledger_head"


def lock_head() -> tuple[int, str]:
    """(last id, last hash) of the chain, its head row locked until the transaction ends.

    Locked once per transaction: later appends in it go on from the head it moved to.
    Writers that also change other rows (closing an attendance) lock the head first, so
    that every transaction takes the head before anything else it will wait on, and two
    of them never wait on each other in a circle."""
    held = db.session.info.get(_HELD)
    if held is not None:
        return held
    head = db.session.execute(_LOCK_HEAD).first()
    if head is None:
        # First entry ever on a database made without the migration's seed row.
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(_HEAD).values(id=1, last_id=0, last_hash=GENESIS))
        except sa.exc.IntegrityError:
            pass
        head = db.session.execute(_LOCK_HEAD).one()
    hold_head(head.last_id, head.last_hash)
    return head.last_id, head.last_hash


def locked_head_cte() -> sa.CTE:
    """The head (last_id, last_hash) as a CTE that locks its row FOR UPDATE, for one
    statement that locks the head and writes what must be locked after it (PostgreSQL;
    the caller then tells hold_head() what the CTE returned)."""
    return _LOCK_HEAD.cte("head")


def hold_head(last_id: int, last_hash: str) -> None:
    """The head as a statement of the caller's has just locked and read it: later appends
    in this transaction go on from it without locking it again."""
    db.session.info[_HELD] = (last_id, last_hash)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_held_head(session, transaction) -> None:
    session.info.pop(_HELD, None)


def _move_head(last_id: int, last_hash: str) -> None:
    db.session.execute(_MOVE_HEAD, {"last_id": last_id, "last_hash": last_hash})
    _moved_to(last_id, last_hash)


def _moved_to(last_id: int, last_hash: str) -> None:
    """The head was moved (it stays locked): what this transaction holds from now on."""
    _forget_head()
    hold_head(last_id, last_hash)


@functools.cache
def _head_key():
    return identity_key(LedgerHead, 1)


def _forget_head() -> None:
    loaded = db.session.identity_map.get(_head_key())
    if loaded is not None:  # a head object read earlier in this session is out of date now
        db.session.expire(loaded)


def _row(entry: LedgerEntry) -> dict:
    return {c.key: getattr(entry, c.key) for c in LedgerEntry.__table__.columns}


def _effective(entry: LedgerEntry) -> None:
    if entry.effective_at is not None:
        return
    if entry.reverses_id is not None:
        original = db.session.get(LedgerEntry, entry.reverses_id)
        entry.effective_at = original.effective_at
    elif entry.shift_id is not None:
        entry.effective_at = db.session.get(Shift, entry.shift_id).starts_at
    else:
        entry.effective_at = entry.created_at


def append(entry: LedgerEntry) -> LedgerEntry:
    """Give `entry` its place in the chain and insert it (flush, no commit); announce it."""
    _effective(entry)
    last_id, entry.prev_hash = lock_head()
    entry.id = last_id + 1
    entry.entry_hash = entry_hash(entry.prev_hash, entry)
    # Written as a plain INSERT and then taken into the session as a loaded object: the
    # ORM's unit of work costs more than the statement itself on this hot path (a check-out).
    db.session.execute(_INSERT_ENTRY, _row(entry))
    _move_head(entry.id, entry.entry_hash)
    make_transient_to_detached(entry)
    db.session.add(entry)
    signals.entries_appended.send([entry])
    return entry


def append_many(entries: list[LedgerEntry]) -> list[LedgerEntry]:
    """Append many entries in one go (bulk loads: imports, demo history): one head lock,
    hashes chained in order, one multi-row insert, one announcement."""
    if not entries:
        return entries
    for entry in entries:
        _effective(entry)
    last_id, prev = lock_head()
    next_id = last_id + 1
    rows = []
    for entry in entries:
        entry.id, entry.prev_hash = next_id, prev
        entry.entry_hash = prev = entry_hash(prev, entry)
        next_id += 1
        rows.append(_row(entry))
    db.session.execute(sa.insert(LedgerEntry), rows)
    _move_head(next_id - 1, prev)
    signals.entries_appended.send(entries)
    return entries


@dataclass
class Verification:
    ok: bool
    entries: int
    first_bad_entry_id: int | None
    head_hash: str
    problem: str | None = None


def verify(batch: int = 5000) -> Verification:
    """Recompute the whole chain in id order; name the first entry that does not fit.

    Catches changed rows (hash mismatch), removed or inserted rows (broken link or id gap)
    and a cut-off tail (the head no longer matches the last entry).
    """
    prev, expected_id, checked, last_id = GENESIS, 1, 0, 0
    table = LedgerEntry.__table__
    stmt = sa.select(table).order_by(table.c.id).execution_options(yield_per=batch)
    result = db.session.execute(stmt)  # plain rows, streamed: nothing piles up in the session
    try:
        for entry in result:
            problem = None
            if entry.id != expected_id:
                problem = "gap"
            elif entry.prev_hash != prev:
                problem = "broken_link"
            elif entry_hash(prev, entry) != entry.entry_hash:
                problem = "hash_mismatch"
            if problem:
                return Verification(False, checked, entry.id, _head_hash(), problem)
            prev, expected_id, last_id = entry.entry_hash, entry.id + 1, entry.id
            checked += 1
    finally:
        result.close()
    head = db.session.get(LedgerHead, 1)
    if head is not None and (head.last_id != last_id or head.last_hash != prev):
        return Verification(False, checked, last_id + 1, head.last_hash, "head_mismatch")
    return Verification(True, checked, None, prev)


def _head_hash() -> str:
    head = db.session.get(LedgerHead, 1)
    return head.last_hash if head else GENESIS
