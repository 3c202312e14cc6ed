"""`flask create-admin`."""

import click
from flask.cli import with_appcontext

from ..core.errors import ValidationFailed
from ..extensions import db
from .services import create_admin


@click.command("create-admin")
@click.option("--phone", required=True, help="Mobile number; the login.")
@click.option("--password", required=True, help="At least 8 characters, letters and digits.")
@click.option("--name", required=True, help="Display name.")
@with_appcontext
def create_admin_command(phone, password, name):
    """Create an admin on the district (and the district `NS` if the tree is empty)."""
    try:
        member, created = create_admin(phone=phone, password=password, name=name)
    except ValidationFailed as exc:
        for field, reason in exc.errors:
            click.echo(f"{field}: {reason}", err=True)
        raise SystemExit(2) from None
    db.session.commit()
    if created:
        click.echo(f"Admin {member.name} ({member.phone}) created with id {member.id}.")
    else:
        click.echo(
            f"A member with phone {member.phone} exists already (id {member.id}); "
            "nothing was created."
        )
