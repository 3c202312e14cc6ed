"""`flask import-units FILE.csv`."""

import click
from flask.cli import with_appcontext

from ..core.csvio import read_csv
from ..core.errors import ValidationFailed
from ..extensions import db
from .services import import_units


@click.command("import-units")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def import_units_command(file):
    """Import units from CSV (code,name,name_en,level,parent_code,lat,lon), all or nothing."""
    with open(file, "rb") as fh:
        data = fh.read()
    try:
        result = import_units(None, read_csv(data, ("code", "name", "level")))
    except ValidationFailed as exc:
        db.session.rollback()
        click.echo(f"Nothing imported: {len(exc.errors)} problem(s).", err=True)
        for where, reason in exc.errors:
            click.echo(f"  {where}: {reason}", err=True)
        raise SystemExit(1) from None
    db.session.commit()
    click.echo(f"Imported units: {result['created']} created, {result['updated']} updated.")
