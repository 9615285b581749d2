"""`flask --app wsgi support ...`: import, export, seed, and list services due a check."""

from __future__ import annotations

import sys
from datetime import date

import click
from flask.cli import AppGroup

from tracker import clock, config, db
from tracker.support import csv_io, seed
from tracker.support.services import stale

IMPORT_ACTOR = "cli:import"
FILE_MAX = 5 * 1024 * 1024

support_cli = AppGroup("support", help="The support directory: import, export, seed, stale.")


def _today() -> date:
    return clock.today(config.current().timezone)


@support_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and say what would change.")
def import_command(path: str, dry_run: bool) -> None:
    """Add and change services from a CSV file: all of it, or nothing if any row is bad."""
    with open(path, "rb") as f:
        content = f.read(FILE_MAX + 1)
    if len(content) > FILE_MAX:
        raise click.ClickException("The file is too big: split it into files under 5 MB.")
    if dry_run:
        result = csv_io.import_csv(db.session(), content, IMPORT_ACTOR, _today(), dry_run=True)
    else:
        with db.transaction() as s:  # one transaction: the whole file, or none of it
            result = csv_io.import_csv(s, content, IMPORT_ACTOR, _today())
    for problem in result.problems:
        click.echo(str(problem), err=True)
    if not result.ok:
        raise click.ClickException(result.summary())
    click.echo(result.summary())


@support_cli.command("export")
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True))
def export_command(path: str | None) -> None:
    """Write every listed service as CSV to PATH (or to the screen)."""
    s = db.session()
    if path is None:
        csv_io.export_csv(s, sys.stdout)
        return
    with open(path, "w", newline="", encoding="utf-8") as f:
        count = csv_io.export_csv(s, f)
    click.echo(f"Exported {count} service(s) to {path}.")


@support_cli.command("stale")
def stale_command() -> None:
    """List services not checked with the service for 12 months (or never)."""
    services = stale(db.session(), _today())
    if not services:
        click.echo("Every listed service has been checked in the last 12 months.")
        return
    for service in services:
        checked = service.last_checked.isoformat() if service.last_checked else "never"
        click.echo(f"{service.id}\tlast checked: {checked}\t{service.name}")


@support_cli.command("seed")
def seed_command() -> None:
    """Add the starting services (facts from the source documents, each marked to check)."""
    with db.transaction() as s:
        added = seed.load_seed(s, _today())
    if not added:
        click.echo("The starting services are already listed: nothing added.")
        return
    click.echo(f"Added {len(added)} service(s); each needs checking with the service.")
