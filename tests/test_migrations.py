"""The Alembic migrations build exactly the models' schema, go down and up again, and on SQLite
rebuild a table without losing a row that refers to it."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import column, inspect, select, table, text
from sqlalchemy.orm import Session

from tests.conftest import BACKENDS, PG_URL, make_patient, pg_database_name
from tests.team.conftest import open_alert
from tracker.db import UTCDateTime, drop_database, fresh_database, make_engine
from tracker.diary.services import SymptomReport, record_symptoms
from tracker.migrate import MIGRATIONS, alembic_config
from tracker.models import Base
from tracker.patients.models import KnownCondition, KnownConditionChange


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    """A database with nothing in it: a new SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = pg_database_name("migrations")
    yield fresh_database(PG_URL, name)
    drop_database(PG_URL, name)


def differences(url: str) -> list:
    engine = make_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    return diff


def test_upgrade_head_gives_exactly_the_models_schema(empty_database_url):
    command.upgrade(alembic_config(empty_database_url), "head")
    assert differences(empty_database_url) == []


@pytest.mark.skipif(not PG_URL, reason="storage parameters are PostgreSQL's")
@pytest.mark.parametrize("empty_database_url", ["postgresql"], indirect=True)
def test_upgrade_head_gives_the_models_storage_parameters(empty_database_url):
    """What compare_metadata does not look at: PostgreSQL's storage parameters per table."""
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        migrated = {
            name: dict(option.split("=", 1) for option in options)
            for name, options in conn.execute(
                text(
                    "SELECT relname, reloptions FROM pg_class"
                    " WHERE relkind = 'r' AND reloptions IS NOT NULL"
                    " AND relnamespace = 'public'::regnamespace"
                )
            )
        }
    engine.dispose()
    modelled = {
        name: {
            key: str(value) for key, value in table.dialect_options["postgresql"]["with"].items()
        }
        for name, table in Base.metadata.tables.items()
        if table.dialect_options["postgresql"]["with"]
    }
    assert migrated == modelled
    assert modelled["alerts"] == {"fillfactor": "70"}


def test_every_migration_goes_down_and_up_again(empty_database_url):
    cfg = alembic_config(empty_database_url)
    revisions = list(reversed(list(ScriptDirectory.from_config(cfg).walk_revisions())))
    for revision in revisions:
        command.upgrade(cfg, revision.revision)
        command.downgrade(cfg, revision.down_revision or "base")
        command.upgrade(cfg, revision.revision)
    engine = make_engine(empty_database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert tables == set(Base.metadata.tables) | {"alembic_version"}
    command.downgrade(cfg, "base")
    engine = make_engine(empty_database_url)
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_migration_files_are_date_prefixed():
    from tracker.migrate import MIGRATIONS

    names = [p.name for p in (MIGRATIONS / "versions").glob("*.py")]
    assert names, "no migrations found"
    assert all(name[:11].replace("_", "").isdigit() for name in names), names


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
    engine.dispose()


# A migration that rebuilds the tables most others reference, as SQLite's batch mode does for
# any change it cannot make in place: copy the table, drop the old one, rename the copy.
_MIGRATION = """
from alembic import op

revision = "f0000000000f"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade():
{body}


def downgrade():
    pass
"""
_REBUILD = """
    for table in ("patients", "alerts", "prompts"):
        with op.batch_alter_table(table, recreate="always"):
            pass
"""

_KEPT = ("patients", "diary_entries", "diary_entry_revisions", "alerts", "alert_events", "prompts")


def _row_counts(url: str, tables: tuple[str, ...] = _KEPT) -> dict[str, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = {
            table: conn.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
            for table in tables  # our own table names
        }
    engine.dispose()
    return counts


def _database_with_a_diary_and_an_alert(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'rebuild.db'}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as s:
        patient = make_patient(s)
        record_symptoms(s, patient, date(2026, 11, 20), [SymptomReport("cough", 6)])
        open_alert(s, patient.id, "cough", "soon", ["persistent"])
    engine.dispose()
    return url


def _upgrade_with(tmp_path, url: str, body: str) -> None:
    """Upgrade `url` through the project's migrations (and env.py) and one more, doing `body`."""
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts)
    cfg = alembic_config(url)
    head = ScriptDirectory.from_config(cfg).get_current_head()
    migration = _MIGRATION.format(down=head, body=body)
    (scripts / "versions" / "2099_01_01_extra.py").write_text(migration)
    cfg.set_main_option("script_location", str(scripts))
    command.upgrade(cfg, "head")


def test_a_sqlite_table_rebuild_keeps_every_row_that_refers_to_it(tmp_path):
    """Dropping the old table must not take the rows of the tables that refer to it with it
    (with foreign keys on, SQLite deletes them by cascade): not a diary entry, not an alert."""
    url = _database_with_a_diary_and_an_alert(tmp_path)
    before = _row_counts(url)
    assert all(before.values()), before

    _upgrade_with(tmp_path, url, _REBUILD)

    assert _row_counts(url) == before
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_key_check")).all() == []
    engine.dispose()


def test_a_sqlite_migration_that_would_orphan_rows_is_stopped(tmp_path):
    url = _database_with_a_diary_and_an_alert(tmp_path)
    before = _row_counts(url)

    with pytest.raises(RuntimeError, match="referring to rows that are not there"):
        _upgrade_with(tmp_path, url, '    op.execute("DELETE FROM patients")')

    assert _row_counts(url) == before


_PROMPTS_HELD = "f3c9a8d41e27"  # the migration that holds each prompt to its alert's patient


def test_holding_prompts_to_their_alerts_patient_keeps_every_row_both_ways(empty_database_url):
    """On SQLite the migration rebuilds `prompts`, which deliveries and messages refer to."""
    url = empty_database_url
    cfg = alembic_config(url)
    before_it = ScriptDirectory.from_config(cfg).get_revision(_PROMPTS_HELD).down_revision
    command.upgrade(cfg, before_it)
    engine = make_engine(url)
    # Rows written as the schema then was: the models describe the schema of today.
    with engine.begin() as conn:
        patient = _a_patient(conn)
        alert_id = insert_row(conn, "alerts", patient_id=patient, symptom_code="cough", **OPEN)
        insert_row(conn, "alert_events", alert_id=alert_id, **OPEN)
        prompt_id = insert_row(
            conn, "prompts", alert_id=alert_id, patient_id=patient, urgency="soon"
        )
        insert_row(conn, "prompt_deliveries", prompt_id=prompt_id, patient_id=patient, state="sent")
    counted = ("alerts", "alert_events", "prompts", "prompt_deliveries")
    before = _row_counts(url, counted)
    assert all(before.values()), before

    command.upgrade(cfg, _PROMPTS_HELD)
    assert _row_counts(url, counted) == before
    with engine.connect() as conn:
        [(held_alert, held_patient)] = conn.execute(
            text("SELECT alert_id, patient_id FROM prompts")
        )
    assert (held_alert, held_patient) == (alert_id, patient)

    engine.dispose()

    command.downgrade(cfg, before_it)
    assert _row_counts(url, counted) == before


_NAMED_SERIES = "a1c5e9d3b7f2"  # rules v2: `other` is named, a red flag needs no severity


def test_existing_other_entries_and_alerts_are_named_something_else(empty_database_url):
    """Every `other` entry, mark, revision and alert becomes the series "something else"; every
    other row's series is its code; and the way back drops the names again."""
    url = empty_database_url
    cfg = alembic_config(url)
    before_it = ScriptDirectory.from_config(cfg).get_revision(_NAMED_SERIES).down_revision
    command.upgrade(cfg, before_it)
    engine = make_engine(url)
    with engine.begin() as conn:
        patient = _a_patient(conn)
        day = date(2026, 11, 1)
        rows = [
            ("symptom", "other", 4),
            ("resolved", "other", None),
            ("symptom", "cough", 3),
            ("check_in", None, None),
        ]
        for kind, code, severity in rows:
            entry = insert_row(
                conn,
                "diary_entries",
                patient_id=patient,
                kind=kind,
                symptom_code=code,
                severity=severity,
                entry_date=day,
            )
            if kind == "symptom":
                insert_row(conn, "diary_entry_revisions", entry_id=entry, symptom_code=code)
        for code in ("other", "cough"):
            insert_row(conn, "alerts", patient_id=patient, symptom_code=code, **OPEN)

    command.upgrade(cfg, _NAMED_SERIES)
    with engine.connect() as conn:
        entries = conn.execute(
            text("SELECT kind, symptom_code, name, series FROM diary_entries ORDER BY id")
        ).all()
        revisions = conn.execute(
            text("SELECT symptom_code, name FROM diary_entry_revisions ORDER BY id")
        ).all()
        alerts = conn.execute(text("SELECT symptom_code, series FROM alerts ORDER BY id")).all()
    assert entries == [
        ("symptom", "other", "Something else", "other:something else"),
        ("resolved", "other", "Something else", "other:something else"),
        ("symptom", "cough", None, "cough"),
        ("check_in", None, None, None),
    ]
    assert revisions == [("other", "Something else"), ("cough", None)]
    assert alerts == [("other", "other:something else"), ("cough", "cough")]

    command.downgrade(cfg, before_it)
    with engine.connect() as conn:
        assert "name" not in {c["name"] for c in inspect(conn).get_columns("diary_entries")}
        assert conn.execute(text("SELECT count(*) FROM alerts")).scalar() == 2
    engine.dispose()


OPEN = {"status": "open", "urgency": "soon"}


def _a_patient(conn) -> int:
    team = insert_row(conn, "teams")
    return insert_row(conn, "patients", team_id=team, email="p@example.test")


def insert_row(conn, table: str, **given) -> int | None:
    """Insert a row into `table` as the database has it now, whatever the models say: the given
    values, and a plain value for every other column that must have one. Returns its id, if
    it has one."""
    values = dict(given)
    columns = inspect(conn).get_columns(table)
    for each in columns:
        name = each["name"]
        if name in values or name == "id" or each["nullable"] or each.get("default"):
            continue
        values[name] = _plain_value(each["type"].python_type)
    names = ", ".join(values)
    params = ", ".join(f":{name}" for name in values)
    returning = " RETURNING id" if any(c["name"] == "id" for c in columns) else ""
    sql = f"INSERT INTO {table} ({names}) VALUES ({params}){returning}"  # noqa: S608
    result = conn.execute(text(sql), values)
    return result.scalar_one() if returning else None


def _plain_value(kind: type):
    from datetime import UTC, datetime

    return {
        str: "x",
        int: 1,
        bool: False,
        date: date(2026, 11, 1),
        datetime: datetime(2026, 11, 1, tzinfo=UTC),
    }[kind]


_CONDITIONS_FROM_TEAM = "a7d4e2c91b36"  # known conditions: end date, reason, who, history


def test_existing_known_conditions_become_the_patients_undated_each_with_its_history(
    empty_database_url,
):
    url = empty_database_url
    cfg = alembic_config(url)
    before_it = ScriptDirectory.from_config(cfg).get_revision(_CONDITIONS_FROM_TEAM).down_revision
    command.upgrade(cfg, before_it)
    engine = make_engine(url)
    recorded = datetime(2026, 11, 3, 9, 15, tzinfo=UTC)
    old_conditions = table(
        "known_conditions",
        column("patient_id"),
        column("symptom_code"),
        column("created_at", UTCDateTime(timezone=True)),
    )
    with engine.begin() as conn:
        patient = _a_patient(conn)
        conn.execute(
            old_conditions.insert(),
            [
                {"patient_id": patient, "symptom_code": code, "created_at": recorded}
                for code in ("bone_pain", "fatigue")
            ],
        )

    command.upgrade(cfg, _CONDITIONS_FROM_TEAM)
    with Session(engine) as s:
        rows = s.execute(
            select(
                KnownCondition.symptom_code,
                KnownCondition.until,
                KnownCondition.reason,
                KnownCondition.set_by_staff_id,
            ).order_by(KnownCondition.symptom_code)
        ).all()
        assert rows == [("bone_pain", None, None, None), ("fatigue", None, None, None)]
        history = s.execute(
            select(
                KnownConditionChange.patient_id,
                KnownConditionChange.symptom_code,
                KnownConditionChange.action,
                KnownConditionChange.staff_id,
                KnownConditionChange.at,
            ).order_by(KnownConditionChange.symptom_code)
        ).all()
        assert history == [
            (patient, "bone_pain", "added", None, recorded),
            (patient, "fatigue", "added", None, recorded),
        ]
    engine.dispose()

    command.downgrade(cfg, before_it)
    assert _row_counts(url, ("known_conditions",)) == {"known_conditions": 2}


def test_diary_assessments_start_pending_for_diaries_changed_since_the_last_daily_run(
    empty_database_url,
):
    """Upgrading marks, as not yet assessed, every diary with a symptom entry or resolved mark
    written since the last completed daily run began: the lost-assessment job takes them."""
    from datetime import UTC, datetime

    from tracker.detection.models import DONE, FAILED, JobRun
    from tracker.diary.models import DiaryEntry

    cfg = alembic_config(empty_database_url)
    command.upgrade(cfg, "head")
    run_began = datetime(2026, 11, 20, 4, 30, tzinfo=UTC)
    before, after = (
        datetime(2026, 11, 19, 18, 0, tzinfo=UTC),
        datetime(2026, 11, 20, 9, 0, tzinfo=UTC),
    )
    engine = make_engine(empty_database_url)
    with Session(engine, expire_on_commit=False) as s:
        assessed, changed, checked_in = (
            make_patient(s, email=f"m{n}@example.test") for n in range(3)
        )
        for patient, kind, code, severity, at in (
            (assessed, "symptom", "cough", 3, before),
            (changed, "symptom", "cough", 3, before),
            (changed, "resolved", "cough", None, after),
            (checked_in, "check_in", None, None, after),
        ):
            s.add(
                DiaryEntry(
                    patient_id=patient.id, kind=kind, entry_date=date(2026, 11, 19),
                    symptom_code=code, severity=severity, created_at=at, updated_at=at,
                )
            )  # fmt: skip
        s.add_all(
            [
                JobRun(job="detect", run_key="2026-11-20", status=DONE, owner="x",
                       as_of=date(2026, 11, 20), started_at=run_began),
                JobRun(job="detect", run_key="2026-11-21", status=FAILED, owner="x",
                       as_of=date(2026, 11, 21), started_at=after),
            ]
        )  # fmt: skip
        s.commit()
    engine.dispose()
    ours = ScriptDirectory.from_config(cfg).get_revision("a7d4e9b1c3f2")
    command.downgrade(cfg, ours.down_revision)
    command.upgrade(cfg, "head")
    engine = make_engine(empty_database_url)
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT patient_id, changes, assessed_changes FROM diary_assessments")
        ).all()
    engine.dispose()
    assert [tuple(r) for r in rows] == [(changed.id, 1, 0)]
