"""`flask rankings-check` and `flask rankings-rebuild`."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from .totals import differences, rebuild


@click.command("rankings-check")
@with_appcontext
def rankings_check_command():
    """Recompute the ranking totals from the ledger and compare; exit 1 if any differ."""
    diffs = differences()
    if not diffs:
        click.echo("Ranking totals agree with the ledger.")
        return
    click.echo(f"{len(diffs)} totals differ from the ledger:", err=True)
    for key, stored, expected in diffs[:50]:
        click.echo(f"  {key}: stored {stored}, ledger says {expected}", err=True)
    raise SystemExit(1)


@click.command("rankings-rebuild")
@with_appcontext
def rankings_rebuild_command():
    """Rebuild every ranking total from the ledger, then prove they agree."""
    rows = rebuild()
    diffs = differences()
    db.session.commit()
    click.echo(f"Rebuilt {rows} ranking totals; {len(diffs)} differences after rebuilding.")
    if diffs:
        raise SystemExit(1)
