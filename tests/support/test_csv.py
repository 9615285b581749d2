"""CSV export, and the import that checks every row first and imports all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import func, select

from tests.support.helpers import TODAY, make_service, raw_service
from tracker.support.csv_io import COLUMNS, export_csv, import_csv
from tracker.support.models import SupportService, SupportServiceChange
from tracker.support.services import history, retire_service


def to_csv(rows: list[dict[str, str]], columns=COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({"id": "", **row})
    return out.getvalue()


def count(session, model=SupportService) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_good_file_adds_every_row_and_records_who(session):
    text = to_csv(
        [
            raw_service(name="First Example", kind="Helpline", areas="nationwide"),
            raw_service(name="Second Example", areas="ls6, LS7", tags="Carers; young women"),
        ]
    )
    result = import_csv(session, text, "cli:import", TODAY)
    session.commit()
    assert result.ok and (result.added, result.changed, result.unchanged) == (2, 0, 0)
    second = session.scalar(select(SupportService).where(SupportService.name == "Second Example"))
    assert second.areas == ("LS6", "LS7") and second.tag_list == ("carers", "young women")
    assert [(c.actor, c.action) for c in history(session, second)] == [("cli:import", "added")]


def test_a_file_with_any_bad_row_imports_nothing_and_reports_each_bad_row(session):
    text = to_csv(
        [
            raw_service(name="Good Example"),  # line 2
            raw_service(name="Bad Phone", phone="0909 879 0000"),  # line 3
            raw_service(name="Another Good Example"),  # line 4
            raw_service(name="", website="javascript:alert(1)", areas="Narnia"),  # line 5
            raw_service(name="Good Example"),  # line 6: the same name as line 2
        ]
    )
    result = import_csv(session, text, "cli:import", TODAY)
    session.commit()
    assert not result.ok
    assert [p.line for p in result.problems] == [3, 5, 6]
    assert result.problems[0].reasons == (
        "phone: Enter a number that costs no more than a normal call (not 084, 087 or 09)",
    )
    assert [r.split(":")[0] for r in result.problems[1].reasons] == ["name", "website", "areas"]
    assert "also on line 2" in str(result.problems[2])
    assert str(result.problems[0]).startswith("Line 3: phone: ")
    assert count(session) == 0 and count(session, SupportServiceChange) == 0


def test_line_numbers_count_lines_in_the_file_not_rows(session):
    text = (
        ",".join(COLUMNS)
        + "\n\n"  # line 2: blank, skipped
        + to_csv([raw_service(description="Two\nlines")]).split("\n", 1)[1]  # lines 3 and 4
        + to_csv([raw_service(name="Bad", kind="circus")]).split("\n", 1)[1]  # line 5
    )
    result = import_csv(session, text, "cli:import", TODAY)
    assert [p.line for p in result.problems] == [5]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "The file is empty"),
        ("name,kind\nA,helpline\n", "missing the column(s): description"),
        (",".join(COLUMNS) + ",colour\n", "unknown column(s): colour"),
        (",".join(COLUMNS) + ",name\n", "repeats the column(s): name"),
        (",".join(COLUMNS) + "\nonly,three,cells\n", "This row has 3 cells; the header has 13"),
        (b"\xff\xfe" + "name".encode("utf-16-le"), "not UTF-8"),
    ],
)
def test_a_bad_file_is_reported_plainly(session, text, reason):
    result = import_csv(session, text, "cli:import", TODAY)
    assert not result.ok
    assert reason in str(result.problems[0])
    assert count(session) == 0


def test_rows_with_an_id_change_that_service_and_unknown_or_retired_ids_are_refused(session):
    kept = make_service(session, name="Kept Example")
    gone = make_service(session, name="Gone Example")
    retire_service(session, gone, "test")
    session.commit()
    changed = raw_service(name="Kept Example", phone="0808 157 0001")
    bad = to_csv(
        [
            {**changed, "id": str(kept.id)},
            {**raw_service(name="Gone Example"), "id": str(gone.id)},
            {**raw_service(name="Nobody"), "id": "999"},
            {**raw_service(name="Not a number"), "id": "x"},
            {**raw_service(name="Twice"), "id": str(kept.id)},
        ]
    )
    result = import_csv(session, bad, "cli:import", TODAY)
    assert [p.line for p in result.problems] == [3, 4, 5, 6]
    assert "has been retired" in str(result.problems[0])
    assert "there is no service 999" in str(result.problems[1])
    assert f"id {kept.id} is also on line 2" in str(result.problems[3])

    result = import_csv(session, to_csv([{**changed, "id": str(kept.id)}]), "cli:import", TODAY)
    session.commit()
    assert (result.added, result.changed) == (0, 1)
    session.expire_all()
    assert session.get(SupportService, kept.id).phone == "0808 157 0001"
    assert history(session, kept)[-1].changes == {
        "phone": {"from": "0113 496 0001", "to": "0808 157 0001"}
    }


def test_a_new_row_with_a_listed_name_is_refused_so_a_file_cannot_be_imported_twice(session):
    text = to_csv([raw_service(name="Once Example")])
    assert import_csv(session, text, "cli:import", TODAY).ok
    session.commit()
    again = import_csv(session, text, "cli:import", TODAY)
    assert "already listed" in str(again.problems[0])
    assert count(session) == 1


def test_a_dry_run_reports_but_changes_nothing(session):
    make_service(session, name="Kept Example")
    result = import_csv(
        session, to_csv([raw_service(name="New Example")]), "cli:import", TODAY, dry_run=True
    )
    session.commit()
    assert result.ok and result.added == 1 and "Would add 1" in result.summary()
    assert count(session) == 1


def test_export_then_import_round_trips(session):
    make_service(
        session, name="Plain Example", areas="nationwide", kind="helpline", email="a@b.org"
    )
    make_service(
        session,
        name="=HYPERLINK(1)",
        description='-Starts with a minus, has "quotes", commas, and\u00a0odd spaces',
        tags="one; two",
        last_checked="",
        needs_check="yes",
    )
    retired = make_service(session, name="Retired Example")
    retire_service(session, retired, "test")
    session.commit()

    out = io.StringIO()
    assert export_csv(session, out) == 2
    exported = out.getvalue()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [r["name"] for r in rows] == ["Plain Example", "'=HYPERLINK(1)"]  # no formulas
    assert rows[1]["description"].startswith("'-Starts")
    assert rows[0]["areas"] == "nationwide" and rows[1]["needs_check"] == "yes"

    # Into the same directory: nothing to change.
    result = import_csv(session, exported, "cli:import", TODAY)
    assert result.ok and (result.added, result.changed, result.unchanged) == (0, 0, 2)

    # Into an empty directory (ids blanked): the same services again.
    before = [s.data() for s in session.scalars(select(SupportService).order_by(SupportService.id))]
    for service in session.scalars(select(SupportService)):
        service.name = "old " + service.name
    session.commit()
    no_ids = to_csv([{**r, "id": ""} for r in rows])
    result = import_csv(session, no_ids, "cli:import", TODAY)
    session.commit()
    assert result.ok and result.added == 2
    after = session.scalars(
        select(SupportService).where(~SupportService.name.startswith("old "))
    ).all()
    assert sorted([s.data() for s in after], key=lambda d: d.name) == sorted(
        [d for d in before if not d.name.startswith("Retired")], key=lambda d: d.name
    )


def test_the_commands_import_export_stale_and_seed(app, session, tmp_path):
    runner = app.test_cli_runner()
    bad = tmp_path / "bad.csv"
    bad.write_text(to_csv([raw_service(), raw_service(name="B", phone="nonsense")]))
    result = runner.invoke(args=["support", "import", str(bad)])
    assert result.exit_code != 0
    assert "Line 3: phone: Enter a phone number" in result.output
    assert "Nothing imported" in result.output

    good = tmp_path / "good.csv"
    good.write_text(to_csv([raw_service(last_checked="2020-01-01")]))
    assert "Would add 1" in runner.invoke(args=["support", "import", str(good), "--dry-run"]).output
    assert count(session) == 0
    result = runner.invoke(args=["support", "import", str(good)])
    assert result.exit_code == 0 and "Added 1" in result.output

    out = tmp_path / "out.csv"
    result = runner.invoke(args=["support", "export", str(out)])
    assert "Exported 1 service(s)" in result.output
    assert out.read_text().startswith(",".join(COLUMNS))
    assert "Leeds Example Group" in runner.invoke(args=["support", "export"]).output

    assert (
        "last checked: 2020-01-01\tLeeds Example Group"
        in runner.invoke(args=["support", "stale"]).output
    )

    result = runner.invoke(args=["support", "seed"])
    assert result.exit_code == 0 and "Added 1 service(s)" in result.output
    assert "already listed" in runner.invoke(args=["support", "seed"]).output  # only once
