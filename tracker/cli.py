"""Flask commands: `flask --app wsgi <command>`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from jobs.cli import jobs_cli
from tracker import db
from tracker.assess import assess_command
from tracker.auth.cli import invite_command
from tracker.demo import demo_command
from tracker.migrate import db_cli
from tracker.notify.cli import outbox_command
from tracker.staticfiles import assets_cli
from tracker.support.cli import support_cli
from tracker.team.cli import staff_cli

teams_cli = AppGroup("teams", help="Treating teams (staff accounts come later).")


@teams_cli.command("create")
@click.option("--name", required=True, help="For example: Breast Care Team")
@click.option("--hospital", required=True)
@click.option("--phone", required=True, help="The number patients should call")
@click.option("--email", required=True)
@click.option("--hours", required=True, help='For example: "Monday to Friday, 9am to 5pm"')
@click.option(
    "--out-of-hours",
    default="Outside these hours, call NHS 111. In an emergency, call 999.",
    show_default=True,
)
def create_team(name, hospital, phone, email, hours, out_of_hours) -> None:
    """Add a treating team, checked as the workspace's form checks it."""
    from tracker.forms import Errors
    from tracker.team import admin

    values = admin.TeamValues(
        name=name.strip(),
        hospital=hospital.strip(),
        phone=phone.strip(),
        email=email.strip(),
        hours=hours.strip(),
        out_of_hours=out_of_hours.strip(),
    )
    errors = Errors()
    clean = admin.check_team(values, errors)
    if clean is None:
        problems = "; ".join(f"--{k.replace('_', '-')}: {v}" for k, v in errors.messages.items())
        raise click.UsageError(problems)
    try:
        with db.transaction() as s:
            team = admin.create_team(s, None, clean)
            click.echo(f"Team {team.id} created.")
    except admin.FormError as exc:
        raise click.BadParameter(str(exc), param_hint="--name") from exc


@teams_cli.command("list")
def list_teams() -> None:
    """List the teams and their ids."""
    from sqlalchemy import select

    from tracker.team.models import Team

    for team in db.session().scalars(select(Team).order_by(Team.id)):
        click.echo(f"{team.id}\t{team.name}\t{team.hospital}")


def init_app(app: Flask) -> None:
    app.cli.add_command(db_cli)
    app.cli.add_command(teams_cli)
    app.cli.add_command(invite_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(assess_command)
    app.cli.add_command(staff_cli)
    app.cli.add_command(support_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(outbox_command)
    app.cli.add_command(assets_cli)
