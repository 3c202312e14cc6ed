"""`flask events-counters-check` and `flask events-counters-rebuild`."""

import click
from flask.cli import with_appcontext

from ..extensions import db
from .counters import differences, rebuild


@click.command("events-counters-check")
@with_appcontext
def events_counters_check_command():
    """Recompute the figures' counters from the events and compare; exit 1 if any differ."""
    diffs = differences()
    if not diffs:
        click.echo("Event counters agree with the events.")
        return
    click.echo(f"{len(diffs)} counter rows differ from the events:", err=True)
    for key, stored, expected in diffs[:50]:
        click.echo(f"  {key}: stored {stored}, events say {expected}", err=True)
    raise SystemExit(1)


@click.command("events-counters-rebuild")
@with_appcontext
def events_counters_rebuild_command():
    """Rebuild every counter row from the events, then prove they agree."""
    rows = rebuild()
    diffs = differences()
    db.session.commit()
    click.echo(f"Rebuilt {rows} event counter rows; {len(diffs)} differences after rebuilding.")
    if diffs:
        raise SystemExit(1)
