"""`flask --app wsgi invite`: make a single-use sign-up link for one person."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from tracker import config, db
from tracker.auth.invitations import create_invitation
from tracker.patients.contact import ContactError
from tracker.team.models import Team


@click.command("invite")
@click.option("--team", "team_id", type=int, required=True, help="The team's id (see `teams list`)")
@click.option("--email", default=None, help="Pre-fill the sign-up form with this email address")
@with_appcontext
def invite_command(team_id: int, email: str | None) -> None:
    """Print a sign-up link for a team. It works once and expires (INVITATION_LIFETIME)."""
    with db.transaction() as s:
        team = s.get(Team, team_id)
        if team is None:
            raise click.ClickException(f"There is no team {team_id}. See `flask teams list`.")
        try:
            invitation, token = create_invitation(s, team, email)
        except ContactError as exc:
            raise click.BadParameter(str(exc), param_hint="--email") from exc
    base = config.current().web.public_url
    # The link alone on stdout, so a script can capture it; the note goes to stderr.
    click.echo(f"{base}/join/{token}")
    at = invitation.expires_at
    expires = f"{at.day} {at:%B %Y at %H:%M} UTC"
    click.echo(f"Single use. Expires {expires}. Send it only to the person it is for.", err=True)
