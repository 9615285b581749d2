"""Rules version 2, section 2: "something else" is named, and a red flag needs no severity.

- `diary_entries.name`: the patient's own name for an `other` entry (1 to 40 characters), and
  `series`: the series the rules run over (`tracker.rules.data.series_key`): the symptom code,
  or for `other` the code and the name trimmed and in lower case. Stored, so that the detection
  pass reads and orders by it straight from its covering index, which now holds `series` in
  place of `symptom_code`.
- Every existing `other` entry and resolved mark is named "Something else", the words the diary
  used for it, in the entry and in every one of its revisions (the revisions gain `name`): the
  patient can rename the series later, and the revisions keep both.
- A symptom entry may have no severity (the app allows it for red flags only); a resolved mark
  or a check-in still never has one.
- `alerts.series`: an alert belongs to a series, and there is one open alert per patient and
  series. Existing `other` alerts belong to "something else", as their entries now do.
- `check_ins.series`: a lapsed series is asked about once per lapse, each named one apart.

Revision ID: a1c5e9d3b7f2
Revises: f3c9a8d41e27
Create Date: 2026-12-02 04:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "a1c5e9d3b7f2"
down_revision: str | Sequence[str] | None = "f3c9a8d41e27"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Written out here, not imported from the models or the rules: a migration must keep meaning
# what it meant when it landed.
LIVE = "deleted_at IS NULL AND kind IN ('symptom', 'resolved')"
OTHER_NAME = "Something else"
OTHER_SERIES = "other:something else"
SET_SERIES = "SET series = CASE WHEN symptom_code = 'other' THEN :other ELSE symptom_code END"
OLD_COVERING = ["patient_id", "symptom_code", "entry_date"]
NEW_COVERING = ["patient_id", "series", "entry_date"]
REST = ["kind", "severity", "onset_date", "worrying", "deleted_at"]


def upgrade() -> None:
    op.add_column("diary_entries", sa.Column("name", sa.String(40), nullable=True))
    op.add_column("diary_entries", sa.Column("series", sa.String(90), nullable=True))
    op.add_column("diary_entry_revisions", sa.Column("name", sa.String(40), nullable=True))
    op.add_column("alerts", sa.Column("series", sa.String(90), nullable=True))
    op.add_column("check_ins", sa.Column("series", sa.String(90), nullable=True))
    named = {"name": OTHER_NAME}
    _run(
        "UPDATE diary_entries SET name = :name WHERE symptom_code = 'other' AND kind <> 'check_in'",
        named,
    )
    _run("UPDATE diary_entry_revisions SET name = :name WHERE symptom_code = 'other'", named)
    series = {"other": OTHER_SERIES}
    _run("UPDATE diary_entries " + SET_SERIES + " WHERE kind <> 'check_in'", series)
    _run("UPDATE alerts " + SET_SERIES, series)
    _run("UPDATE check_ins " + SET_SERIES, series)
    with op.batch_alter_table("check_ins") as batch:
        batch.alter_column("series", existing_type=sa.String(90), nullable=False)
        batch.drop_constraint(op.f("uq_check_ins_patient_id_symptom_code_lapsed_on"), "unique")
        batch.create_unique_constraint(
            op.f("uq_check_ins_patient_id_series_lapsed_on"), ["patient_id", "series", "lapsed_on"]
        )

    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_constraint(op.f("ck_diary_entries_severity_only_for_symptoms"), type_="check")
        batch.create_check_constraint(
            "no_severity_unless_symptom", "kind = 'symptom' OR severity IS NULL"
        )
        batch.create_check_constraint(
            "series_unless_check_in",
            "(kind = 'check_in' AND series IS NULL) OR (kind <> 'check_in' AND series IS NOT NULL)",
        )
    _swap_covering_index(drop=OLD_COVERING, create=NEW_COVERING, name_from="symptom", to="series")

    op.drop_index("uq_alerts_one_open_per_symptom", table_name="alerts")
    op.drop_index("ix_alerts_patient_symptom", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.alter_column("series", existing_type=sa.String(90), nullable=False)
    op.create_index(
        "uq_alerts_one_open_per_series",
        "alerts",
        ["patient_id", "series"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    op.create_index("ix_alerts_patient_series", "alerts", ["patient_id", "series", "id"])


def downgrade() -> None:
    # Names and series go; an entry without a severity cannot go back, so the downgrade stops
    # on one (the constraint below refuses it) rather than invent a severity.
    with op.batch_alter_table("check_ins") as batch:
        batch.drop_constraint(op.f("uq_check_ins_patient_id_series_lapsed_on"), "unique")
        batch.create_unique_constraint(
            op.f("uq_check_ins_patient_id_symptom_code_lapsed_on"),
            ["patient_id", "symptom_code", "lapsed_on"],
        )
        batch.drop_column("series")
    op.drop_index("ix_alerts_patient_series", table_name="alerts")
    op.drop_index("uq_alerts_one_open_per_series", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("series")
    op.create_index("ix_alerts_patient_symptom", "alerts", ["patient_id", "symptom_code", "id"])
    op.create_index(
        "uq_alerts_one_open_per_symptom",
        "alerts",
        ["patient_id", "symptom_code"],
        unique=True,
        sqlite_where=sa.text("status = 'open'"),
        postgresql_where=sa.text("status = 'open'"),
    )
    _swap_covering_index(drop=NEW_COVERING, create=OLD_COVERING, name_from="series", to="symptom")
    with op.batch_alter_table("diary_entries") as batch:
        batch.drop_constraint(op.f("ck_diary_entries_series_unless_check_in"), type_="check")
        batch.drop_constraint(op.f("ck_diary_entries_no_severity_unless_symptom"), type_="check")
        batch.create_check_constraint(
            "severity_only_for_symptoms",
            "(kind = 'symptom' AND severity IS NOT NULL) "
            "OR (kind <> 'symptom' AND severity IS NULL)",
        )
        batch.drop_column("series")
        batch.drop_column("name")
    with op.batch_alter_table("diary_entry_revisions") as batch:
        batch.drop_column("name")


def _swap_covering_index(drop: list[str], create: list[str], name_from: str, to: str) -> None:
    # CONCURRENTLY on PostgreSQL, so patients can keep saving entries while a big table is
    # indexed; it cannot run inside a transaction, hence the autocommit block.
    with op.get_context().autocommit_block():
        op.create_index(
            f"ix_diary_entries_live_{to}_days",
            "diary_entries",
            create + REST,
            unique=False,
            sqlite_where=sa.text(LIVE),
            postgresql_where=sa.text(LIVE),
            postgresql_concurrently=True,
        )
        op.drop_index(
            f"ix_diary_entries_live_{name_from}_days",
            table_name="diary_entries",
            postgresql_concurrently=True,
        )


def _run(sql: str, values: dict[str, str]) -> None:
    op.execute(sa.text(sql).bindparams(**values))
