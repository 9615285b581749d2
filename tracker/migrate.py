"""Alembic, driven from the app's own configuration (`flask --app wsgi db …`)."""

from __future__ import annotations

import functools

import click
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask.cli import AppGroup

from tracker import config
from tracker.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(MIGRATIONS / "alembic.ini"))
    cfg.set_main_option("script_location", str(MIGRATIONS))
    # Alembic's ini interpolation treats % specially.
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


db_cli = AppGroup("db", help="Apply and write database migrations (Alembic).")


def _cfg() -> Config:
    return alembic_config(config.current().database.url)


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    command.upgrade(_cfg(), revision)


@db_cli.command("downgrade")
@click.argument("revision")
def downgrade_command(revision: str) -> None:
    """Undo migrations down to REVISION."""
    command.downgrade(_cfg(), revision)


@db_cli.command("current")
def current_command() -> None:
    """Show the revision the database is at."""
    command.current(_cfg())


@db_cli.command("check")
def check_command() -> None:
    """Fail if the models have changes that no migration covers."""
    command.check(_cfg())


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate/--empty", default=True)
def revision_command(message: str, autogenerate: bool) -> None:
    """Write a new migration (compared with the models unless --empty)."""
    command.revision(_cfg(), message=message, autogenerate=autogenerate)


@functools.cache
def heads() -> frozenset[str]:
    """The revisions the migrations end at (read once per process from migrations/versions)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return frozenset(script.get_heads())
