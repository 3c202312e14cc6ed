"""`flask import-members FILE.csv`."""

import click
from flask.cli import with_appcontext

from ..core.csvio import read_csv
from ..core.errors import ValidationFailed
from ..extensions import db
from .imports import COLUMNS, import_members


@click.command("import-members")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--password",
    "default_password",
    default=None,
    help="Initial password for rows without a password column value.",
)
@with_appcontext
def import_members_command(file, default_password):
    """Import active members from CSV, all or nothing.

    Columns: name, phone, community_code, then optionally grid_code, is_party_member,
    skills (comma separated), workplace, home_lat, home_lon, password.
    """
    with open(file, "rb") as fh:
        data = fh.read()
    try:
        rows = read_csv(data, COLUMNS[:3])
        created = import_members(None, rows, default_password=default_password)
    except ValidationFailed as exc:
        db.session.rollback()
        click.echo(f"Nothing imported: {len(exc.errors)} problem(s).", err=True)
        for where, reason in exc.errors:
            click.echo(f"  {where}: {reason}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Imported {created} members.")
