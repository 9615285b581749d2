"""`flask --app wsgi staff …`: staff accounts from the command line (the first service admin)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from tracker import config, db
from tracker.auth.passwords import password_problem
from tracker.patients.contact import ContactError
from tracker.team import accounts
from tracker.team.models import ROLES

staff_cli = AppGroup("staff", help="Staff accounts for the team workspace.")


def _check_password(_ctx, _param, value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise click.BadParameter(problem)
    return value


@staff_cli.command("create")
@click.option("--email", required=True, help="The member's work email: they sign in with it")
@click.option("--name", required=True, help="As patients and colleagues will see it")
@click.option("--service-admin", is_flag=True, help="May keep every team's details and members")
@click.option("--team", "team_id", type=int, default=None, help="A team to add them to")
@click.option("--role", type=click.Choice(ROLES), default=None, help="Their role in --team")
@click.option(
    "--totp-secret",
    default=None,
    help="A base32 TOTP secret to use (the demo's); by default they enrol at first sign-in",
)
@click.password_option("--password", help="Asked for if not given", callback=_check_password)
def create_staff(
    email: str,
    name: str,
    service_admin: bool,
    team_id: int | None,
    role: str | None,
    totp_secret: str | None,
    password: str,
) -> None:
    """Create a staff account. The password is asked for twice and never echoed."""
    if (team_id is None) != (role is None):
        raise click.UsageError("Give --team and --role together.")
    new = accounts.NewStaff(
        name=name,
        email=email,
        password=password,
        service_admin=service_admin,
        team_id=team_id,
        role=role,
        totp_secret=totp_secret,
    )
    try:
        with db.transaction() as s:
            member = accounts.create_staff(s, new)
    except ContactError as exc:
        raise click.BadParameter(str(exc), param_hint="--email") from exc
    except accounts.AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    base = config.current().web.public_url
    click.echo(f"Staff member {member.id} created.")
    click.echo(f"Sign in at {base}/team/sign-in with the email address and password.")
    if totp_secret:
        click.echo("Their authenticator app must use the TOTP secret given (already turned on).")
    else:
        click.echo(
            "At the first sign-in they will be shown a QR code to add the account to an "
            "authenticator app, and then recovery codes to keep safe."
        )
