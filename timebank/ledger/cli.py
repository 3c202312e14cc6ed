"""`flask verify-ledger`."""

import click
from flask.cli import with_appcontext

from .chain import verify


@click.command("verify-ledger")
@with_appcontext
def verify_ledger_command():
    """Recompute the ledger's hash chain; exit 1 and name the first bad entry if broken."""
    result = verify()
    if result.ok:
        click.echo(f"Ledger OK: {result.entries} entries checked. Head hash {result.head_hash}")
        click.echo(
            "Keep this head hash outside the database (e.g. in the daily report): "
            "a later verification must reach the same value or extend it."
        )
        return
    click.echo(
        f"Ledger BROKEN at entry {result.first_bad_entry_id} ({result.problem}); "
        f"{result.entries} entries before it are intact.",
        err=True,
    )
    raise SystemExit(1)
