"""CLI registration: every `flask …` command of the app, and the restore command.

This module sits above every domain (it may import any of them); the app factory calls
`register_cli()` once. `restore` lives here because it checks two domains after loading a
dump: the ledger's hash chain and the rankings' totals.
"""

import click
from flask import Flask
from flask.cli import with_appcontext

from .auth.cli import create_admin_command
from .core.backup import RestoreError, restore
from .core.cli import backup_command
from .demo.cli import seed_demo_command
from .dispatch.cli import events_counters_check_command, events_counters_rebuild_command
from .ledger.chain import verify
from .ledger.cli import verify_ledger_command
from .members.cli import import_members_command
from .rankings.cli import rankings_check_command, rankings_rebuild_command
from .rankings.totals import differences
from .scheduler import scheduler_command
from .units.cli import import_units_command


@click.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(file):
    """Load a dump into this database, which must be empty and migrated (db upgrade)."""
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


COMMANDS = (
    create_admin_command,
    seed_demo_command,
    import_units_command,
    import_members_command,
    scheduler_command,
    verify_ledger_command,
    rankings_check_command,
    rankings_rebuild_command,
    events_counters_check_command,
    events_counters_rebuild_command,
    backup_command,
    restore_command,
)


def register_cli(app: Flask) -> None:
    """Add every command above to `app.cli`."""
    for command in COMMANDS:
        app.cli.add_command(command)
