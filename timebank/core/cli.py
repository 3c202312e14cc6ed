"""`flask backup FILE` and `flask restore FILE`."""

import click
from flask.cli import with_appcontext

from .backup import RestoreError, backup, restore


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write a consistent, compressed dump of the whole database to FILE (.jsonl.gz)."""
    counts = backup(file)
    click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file):
    """Load a dump into this database, which must be empty and migrated (db upgrade)."""
    from ..ledger.chain import verify
    from ..rankings.totals import differences

    try:
        counts = restore(file)
    except RestoreError as exc:
        click.echo(f"Nothing restored: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"Restored {sum(counts.values())} rows into {len(counts)} tables.")
    result = verify()
    if not result.ok:
        click.echo(
            f"Ledger BROKEN at entry {result.first_bad_entry_id} ({result.problem}).", err=True
        )
        raise SystemExit(1)
    click.echo(f"Ledger OK: {result.entries} entries, head hash {result.head_hash}")
    if differences():
        click.echo("Ranking totals differ from the ledger: run `flask rankings-rebuild`.", err=True)
        raise SystemExit(1)
