"""`flask backup FILE`: the database's own dump (the restore command, which checks the
ledger and the rankings after loading, is registered with the others in timebank.cli)."""

import click
from flask.cli import with_appcontext

from .backup import backup


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(file):
    """Write a consistent, compressed dump of the whole database to FILE (.jsonl.gz)."""
    counts = backup(file)
    click.echo(f"Backed up {sum(counts.values())} rows from {len(counts)} tables to {file}.")
