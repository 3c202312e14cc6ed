"""A consistent, portable dump of the whole database, and restoring it into an empty one.

The dump is gzip-compressed JSON lines: a header (format, schema revision, time, row counts)
then one line per row, table by table in foreign-key order. It is read in one snapshot
(REPEATABLE READ on PostgreSQL; one read transaction on SQLite with WAL), so a backup taken
while people scan is consistent. Because it is plain data, a SQLite backup restores into
PostgreSQL and back. Restoring needs an empty database at the same schema revision
(`flask db upgrade` first); the ledger's chain is verified afterwards.
"""

import base64
import gzip
import json
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db

FORMAT = "timebank-backup"
VERSION = 1


def _tables():
    return list(db.metadata.sorted_tables)


def _encode(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bytes):
        return {"$b64": base64.b64encode(value).decode()}
    return value


def _decode(column, value):
    if value is None:
        return None
    if isinstance(value, dict) and "$b64" in value:
        return base64.b64decode(value["$b64"])
    if isinstance(column.type, sa.DateTime) or isinstance(
        getattr(column.type, "impl", None), sa.DateTime
    ):
        return datetime.fromisoformat(value)
    return value


def _revision(conn) -> str | None:
    if not sa.inspect(conn).has_table("alembic_version"):
        return None  # made by create_all (tests), not by migrations
    return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def backup(path: str) -> dict[str, int]:
    """Write the dump to `path`; returns rows per table."""
    engine = db.engine
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION READ ONLY")
            tables = _tables()
            for table in tables:
                counts[table.name] = conn.execute(
                    sa.select(sa.func.count()).select_from(table)
                ).scalar()
            with gzip.open(path, "wt", encoding="utf-8") as out:
                header = {
                    "format": FORMAT,
                    "version": VERSION,
                    "revision": _revision(conn),
                    "created_at": datetime.now().astimezone().isoformat(),
                    "dialect": engine.dialect.name,
                    "counts": counts,
                }
                out.write(json.dumps(header, ensure_ascii=False) + "\n")
                for table in tables:
                    order = [c for c in table.primary_key.columns] or list(table.columns)
                    result = conn.execute(
                        sa.select(table).order_by(*order).execution_options(yield_per=5000)
                    )
                    for row in result.mappings():
                        line = {"t": table.name, "r": {k: _encode(v) for k, v in row.items()}}
                        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return counts


class RestoreError(Exception):
    pass


def _ensure_empty(conn) -> None:
    for table in _tables():
        if table.name == "ledger_head":
            continue
        if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar():
            raise RestoreError(f"the database is not empty: table {table.name} has rows")


def restore(path: str) -> dict[str, int]:
    """Load a dump into this (empty, migrated) database; returns rows per table."""
    engine = db.engine
    by_name = {t.name: t for t in _tables()}
    with gzip.open(path, "rt", encoding="utf-8") as src:
        header = json.loads(src.readline())
        if header.get("format") != FORMAT or header.get("version") != VERSION:
            raise RestoreError("not a timebank backup (or a newer format)")
        with engine.connect() as conn:
            revision = _revision(conn)
            conn.rollback()
            if header.get("revision") and revision and header["revision"] != revision:
                raise RestoreError(
                    f"backup is of schema {header['revision']}, this database "
                    f"is at {revision}: upgrade or downgrade first"
                )
            if engine.dialect.name == "sqlite":
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            with conn.begin():
                _ensure_empty(conn)
                if engine.dialect.name == "postgresql":
                    # Rows arrive in foreign-key order, but a table may refer to itself.
                    conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.execute(sa.delete(by_name["ledger_head"]))
                counts = _load(conn, src, by_name)
                if engine.dialect.name == "postgresql":
                    _reset_sequences(conn, counts)
            if engine.dialect.name == "sqlite":
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    expected = {k: v for k, v in header.get("counts", {}).items() if v}
    if {k: v for k, v in counts.items() if v} != expected:
        raise RestoreError(f"row counts differ from the backup's header: {counts} vs {expected}")
    return counts


def _load(conn, src, by_name) -> dict[str, int]:
    counts: dict[str, int] = {}
    batch: list[dict] = []
    current = None

    def flush():
        if batch:
            conn.execute(by_name[current].insert(), batch)
            counts[current] = counts.get(current, 0) + len(batch)
            batch.clear()

    for line in src:
        item = json.loads(line)
        if item["t"] != current or len(batch) >= 2000:
            flush()
            current = item["t"]
        table = by_name[current]
        batch.append({k: _decode(table.c[k], v) for k, v in item["r"].items()})
    flush()
    return counts


def _reset_sequences(conn, counts) -> None:
    for name in counts:
        seq = conn.execute(sa.text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": name}).scalar()
        if seq:
            # Table names come from our own metadata, not from input.
            conn.execute(sa.text(f"SELECT setval('{seq}', (SELECT max(id) FROM \"{name}\"))"))  # noqa: S608  # nosec B608
