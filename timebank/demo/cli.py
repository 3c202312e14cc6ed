"""`flask seed-demo`."""

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from ..extensions import db
from .seed import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_demo
from .seed_dispatch import FULL_TIME_WORKERS, PART_TIME_WORKERS
from .seed_events import DEFAULT_EVENTS


def _analyze() -> None:
    """Fresh planner statistics after a bulk load (PostgreSQL and SQLite both have ANALYZE)."""
    db.session.execute(sa.text("ANALYZE"))
    db.session.commit()


@click.command("seed-demo")
@click.option("--members", default=1000, show_default=True, help="How many members to make.")
@click.option("--seed", default=2022, show_default=True, help="Random seed.")
@click.option(
    "--events",
    default=DEFAULT_EVENTS,
    show_default=True,
    help="How many events of dispatch history (six months) to make.",
)
@click.option("--timeline/--no-timeline", default=True, help="Write the events' timelines too.")
@with_appcontext
def seed_demo_command(members, seed, events, timeline):
    """Seed a Nansha-shaped demo (skipped when units exist); print the demo logins."""
    if seed_demo(members=members, seed=seed, events=events, timeline=timeline):
        db.session.commit()
        _analyze()
        click.echo(
            f"Demo data seeded: 1 district, 9 towns, 158 communities, 1069 grids, "
            f"{members} members, {FULL_TIME_WORKERS} full-time and {PART_TIME_WORKERS} "
            f"part-time grid workers, 526 checkpoints, two weeks of shifts, "
            f"{events} events of dispatch history."
        )
    else:
        click.echo("Units exist already: demo data not seeded again.")
    click.echo(f"Demo logins (password {DEMO_PASSWORD}):")
    for account in DEMO_ACCOUNTS:
        role = account.role.value if account.role else f"member ({account.status})"
        click.echo(f"  {account.phone}  {role:<22} {account.name}")
