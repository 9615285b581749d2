"""The patient's diary pages. Thin: read the form, call a use case, commit, redirect."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from tracker import clock, config, db
from tracker.alerts import wording
from tracker.alerts.on_save import assess_after_save
from tracker.alerts.services import answer_by_mark, follow_rename, open_alert_cards
from tracker.contact_requests import services as contact_requests
from tracker.diary import checkins, forms, services
from tracker.diary.charts import severity_chart
from tracker.diary.models import SYMPTOM
from tracker.diary.summary import RECENT_DAYS, tracked_symptoms
from tracker.formatting import entry_label, lower_first
from tracker.forms import Errors, FieldError, render_form
from tracker.notify.prompts import undelivered_prompts
from tracker.patients import from_team
from tracker.rules import load_rules
from tracker.rules.data import NAME_MAX, NAMED_SYMPTOM, normal_name, series_key
from tracker.rules.engine import red_flag_urgency

bp = Blueprint("diary", __name__, url_prefix="/diary")


def _patient():
    return current_user.patient


def _today():
    return clock.today(_patient().timezone)


@bp.get("/")
def home():
    patient = _patient()
    today = _today()
    # Only the weeks the page shows: the home page must not cost more as the diary grows.
    entries = services.live_entries(
        db.session(), patient, since=today - timedelta(days=RECENT_DAYS)
    )
    rules = load_rules()
    now = clock.now()
    contact_request = contact_requests.shown_on_home(db.session(), patient, now)
    return render_template(
        "diary/home.html",
        undelivered=undelivered_prompts(db.session(), patient.id),
        open_alerts=open_alert_cards(db.session(), patient),
        check_ins=checkins.questions_to_show(
            current_app.extensions["sessionmaker"], patient.id, _today(), rules
        ),
        in_touch=from_team.in_touch(db.session(), patient.id),
        contact_request=contact_request,
        request_past_due=contact_request is not None and contact_request.is_past_due(now),
        tracked=tracked_symptoms(entries, today),
        today=today,
        rules=rules,
    )


# The symptoms chosen in step one wait in the (signed) session, never in a URL: URLs end up in
# access logs and browser history, and which symptoms someone has is health information.
CHOICE_KEY = "log_choice"


@bp.route("/log", methods=["GET", "POST"])
def log():
    """Step one: which day, and which symptoms."""
    rules = load_rules()
    if request.method == "POST":
        choice = forms.parse_choice(
            request.form, _today(), rules, config.current().web.backdate_days
        )
        kept = forms.kept_details(request.form)
        if choice.errors:
            return _choose_page(choice, kept)
        session[CHOICE_KEY] = {"day_parts": choice.day_parts, "chosen": choice.chosen}
        if kept:  # forward again after going back: the details as they were typed
            values = {code: forms.read_symptom(request.form, code) for code in choice.chosen}
            return _details_page(choice, forms.Details(values=values, errors=Errors(), reports=[]))
        return redirect(url_for("diary.log_details"))
    choice = forms.Choice(day_parts=_parts(_today()), chosen=[], errors=Errors())
    saved = session.get(CHOICE_KEY)
    if saved and request.args.get("change"):  # back from step two to change the choice
        choice.day_parts, choice.chosen = saved["day_parts"], saved["chosen"]
    return _choose_page(choice)


@bp.post("/log/symptom")
def log_symptom():
    """Start logging one symptom for today (from that symptom's history page); for a named
    series, with its name already chosen."""
    code = request.form.get("symptom", "")
    if not load_rules().is_known(code):
        abort(404)
    session[CHOICE_KEY] = {
        "day_parts": _parts(_today()),
        "chosen": [code],
        "name": request.form.get("name", "")[:NAME_MAX],
    }
    return redirect(url_for("diary.log_details"))


@bp.route("/log/details", methods=["GET", "POST"])
def log_details():
    """Step two: how bad each chosen symptom is. Saving happens here, all or nothing."""
    rules = load_rules()
    saved = session.get(CHOICE_KEY)
    if not saved:
        return redirect(url_for("diary.log"))
    if request.method == "POST" and request.form.get("go") == "back":
        # Back to the choice, saving nothing: what was typed goes with it in hidden fields.
        back = forms.Choice(day_parts=saved["day_parts"], chosen=saved["chosen"], errors=Errors())
        return _choose_page(back, forms.kept_details(request.form))
    choice = forms.parse_choice(
        MultiDict(
            [
                *[(f"entry_date[{k}]", v) for k, v in saved["day_parts"].items()],
                *[("symptoms", c) for c in saved["chosen"]],
            ]
        ),
        _today(),
        rules,
        config.current().web.backdate_days,
    )
    if choice.errors:  # for example the day has slipped out of the back-dating window
        return _choose_page(choice)
    if request.method == "GET":
        name = saved.get("name", "")
        # As the patient last typed it, so that its choice is the one ticked.
        used = services.names_used(db.session(), _patient())
        name = next((n for n in used if normal_name(n) == normal_name(name)), name)
        named = {NAMED_SYMPTOM: forms.SymptomValues(name_choice=name)}
        return _details_page(choice, forms.Details(values=named, errors=Errors(), reports=[]))
    details = forms.parse_details(request.form, choice, rules)
    if details.errors:
        return _details_page(choice, details)
    with db.transaction() as s:
        services.record_symptoms(s, _patient(), choice.day, details.reports)
    session.pop(CHOICE_KEY, None)
    _draft_saved("log")
    count = len(details.reports)
    said = f"Your {count} symptoms have been saved" if count > 1 else "Your symptom has been saved"
    said += " in your diary"
    return _after_save(said, [r.symptom_code for r in details.reports], url_for("diary.home"))


def _choose_page(choice: forms.Choice, kept: list[tuple[str, str]] | None = None):
    return render_form(
        "diary/log.html",
        choice.errors,
        choice=choice,
        kept=kept or [],
        rules=load_rules(),
        backdate=config.current().web.backdate_days,
    )


def _details_page(choice: forms.Choice, details: forms.Details):
    rules = load_rules()
    red_flags = [code for code in choice.chosen if rules.may_skip_severity(code)]
    return render_form(
        "diary/log_details.html",
        details.errors,
        choice=choice,
        details=details,
        rules=rules,
        empty=forms.SymptomValues(),
        names=services.names_used(db.session(), _patient()),
        # When a red flag is chosen, what to do now comes before anything else (rules §2), as
        # urgent as the rules will find it for that day: a fit weeks ago is for today, not 999.
        advice=wording.most_urgent(
            (red_flag_urgency(code, choice.day, _today(), rules), code) for code in red_flags
        ),
        team=_patient().team,
    )


@bp.post("/check-in")
def check_in():
    with db.transaction() as s:
        told = [
            entry_label(entry, lower=True)
            for entry in services.record_check_in(s, _patient(), _today())
        ]
    if told:
        flash(
            f"You told us about {wording.joined(told)} today, so we have not noted "
            "\u201cno new symptoms\u201d. If there is something more to tell us, choose it below."
        )
        return redirect(url_for("diary.log"))
    flash("Thank you. We have noted that you have no new symptoms today.", "success")
    return redirect(url_for("diary.home"))


@bp.route("/symptoms/<code>/gone", methods=["GET", "POST"])
def gone_away(code: str):
    rules = load_rules()
    if not rules.is_known(code) or code == NAMED_SYMPTOM:
        abort(404)
    return _gone_away_page(code, None, rules.symptom(code).name)


@bp.route("/something-else/<int:entry_id>/gone", methods=["GET", "POST"])
def named_gone_away(entry_id: int):
    series = _named_series_or_404(entry_id)
    return _gone_away_page(NAMED_SYMPTOM, series.name, series.label)


def _gone_away_page(code: str, name: str | None, label: str):
    today = _today()
    backdate = config.current().web.backdate_days
    errors = Errors()
    day_parts = _parts(today)
    if request.method == "POST":
        day_parts = forms.date_parts(request.form, "gone_date")
        try:
            day = forms.check_entry_date(forms.parse_date(day_parts, "The date"), today, backdate)
        except FieldError as exc:
            errors.add("gone_date-day", str(exc))
        else:
            with db.transaction() as s:
                mark = services.record_resolved(s, _patient(), code, day, name)
                # The same answer as "this has gone away" on the alert (rules §4).
                answer_by_mark(s, _patient(), mark.series, day)
            return _after_save(
                f"Saved: {lower_first(label)} has gone away.", [], url_for("diary.home")
            )
    return render_form("diary/gone_away.html", errors, label=label, day_parts=day_parts)


@bp.get("/history")
def history():
    entries = services.live_entries(db.session(), _patient())
    return render_template("diary/history.html", entries=entries, rules=load_rules())


@bp.get("/symptoms/<code>")
def symptom(code: str):
    rules = load_rules()
    if not rules.is_known(code) or code == NAMED_SYMPTOM:
        abort(404)
    return _series_page(Series(code, None, rules.symptom(code).name, None))


@bp.get("/something-else/<int:entry_id>")
def named(entry_id: int):
    return _series_page(_named_series_or_404(entry_id))


def _series_page(series: Series):
    entries = services.live_entries(db.session(), _patient(), series.key)
    # In the order noted (entries come newest first): the chart's "most recent" is the last.
    points = [
        (e.entry_date, e.severity) for e in reversed(entries) if e.kind == SYMPTOM and e.severity
    ]
    return render_template(
        "diary/symptom.html", series=series, entries=entries, chart=severity_chart(points)
    )


@bp.route("/something-else/<int:entry_id>/rename", methods=["GET", "POST"])
def rename(entry_id: int):
    """Rename a named series: every entry of it, and its alerts, follow (rules §2)."""
    series = _named_series_or_404(entry_id)
    values = forms.SymptomValues(new_name=series.name or "")
    errors = Errors()
    if request.method == "POST":
        values.new_name = request.form.get("name-other-new", "")
        try:
            name = forms.parse_name(values)
            with db.transaction() as s:
                new = services.rename_series(s, _patient(), series.key, name)
                follow_rename(s, _patient(), series.key, new)
        except FieldError as exc:
            errors.add("name-other-new", str(exc))
        except services.NameTaken:
            errors.add(
                "name-other-new",
                f"You already use the name '{values.new_name.strip()}'. Choose a different name",
            )
        else:
            flash(f"Renamed to '{name}'. Everything you noted before is kept.", "success")
            return redirect(url_for("diary.named", entry_id=entry_id))
    return render_form("diary/rename.html", errors, series=series, values=values)


@bp.get("/entries/<int:entry_id>")
def entry(entry_id: int):
    found = _own_entry_or_404(entry_id)
    return render_template("diary/entry.html", entry=found, rules=load_rules())


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
def edit(entry_id: int):
    found = _own_entry_or_404(entry_id)
    if found.kind != SYMPTOM:
        abort(404)
    rules = load_rules()
    symptom = rules.symptom(found.symptom_code)
    errors = Errors()
    if request.method == "GET":
        values = forms.SymptomValues(
            severity="" if found.severity is None else str(found.severity),
            onset=_parts(found.onset_date),
            worrying=found.worrying,
            note=found.note or "",
        )
        day_parts = _parts(found.entry_date)
    else:
        values = forms.read_symptom(request.form, found.symptom_code)
        day_parts = forms.date_parts(request.form, "entry_date")
        day = None
        try:
            day = forms.check_entry_date(
                forms.parse_date(day_parts, "The date"),
                _today(),
                config.current().web.backdate_days,
            )
        except FieldError as exc:
            errors.add("entry_date-day", str(exc))
        values.name_choice = found.name or ""  # a series is renamed as a whole, not here
        report = forms.validate_symptom(
            values, found.symptom_code, symptom.name, day, errors, rules
        )
        if not errors:
            with db.transaction() as s:
                services.edit_entry(s, _patient(), found, report, day)
            _draft_saved(f"edit-{found.id}")
            return _after_save(
                "Your changes have been saved. The earlier version is kept in the entry's history.",
                [found.symptom_code],
                url_for("diary.entry", entry_id=found.id),
            )
    return render_form(
        "diary/edit.html",
        errors,
        entry=found,
        symptom=symptom,
        values=values,
        day_parts=day_parts,
        rules=rules,
    )


@bp.route("/entries/<int:entry_id>/delete", methods=["GET", "POST"])
def delete(entry_id: int):
    found = _own_entry_or_404(entry_id)
    if request.method == "POST":
        with db.transaction() as s:
            services.delete_entry(s, _patient(), found)
        return _after_save(
            "The entry has been deleted from your diary.", [], url_for("diary.history")
        )
    return render_template("diary/delete.html", entry=found, rules=load_rules())


def _after_save(said: str, saved: list[str], otherwise: str):
    """Every diary change is assessed at once (rules §4): the page of findings if there are
    any, otherwise the plain "saved" message where the patient was going."""
    if assess_after_save(_patient(), _today(), saved, said):
        return redirect(url_for("alerts.after_save"))
    flash(said, "success")
    return redirect(otherwise)


def _draft_saved(key: str) -> None:
    """Tell the browser the form's words are saved, so it can drop its copy (drafts.mjs)."""
    flash(key, "draft-saved")


def _own_entry_or_404(entry_id: int):
    # Another patient's entry is indistinguishable from one that does not exist.
    found = services.own_entry(db.session(), _patient(), entry_id)
    if found is None:
        abort(404)
    return found


@dataclass(frozen=True)
class Series:
    """A series as its pages show it: a symptom, or a named `something else` (rules §2)."""

    code: str
    name: str | None  # as the patient last typed it
    label: str
    entry_id: int | None  # for a named series: one of its entries, which its URLs go by

    @property
    def key(self) -> str:
        return series_key(self.code, self.name)


def _named_series_or_404(entry_id: int) -> Series:
    # Named series go by one of their entries' ids: the patient's own words stay out of URLs
    # (they end up in access logs and browser history), and the id survives a rename.
    found = services.own_entry(db.session(), _patient(), entry_id)
    if found is None or found.symptom_code != NAMED_SYMPTOM or not found.name:
        abort(404)
    return Series(NAMED_SYMPTOM, found.name, found.name, entry_id)


def _parts(day) -> dict[str, str]:
    if day is None:
        return {"day": "", "month": "", "year": ""}
    return {"day": str(day.day), "month": str(day.month), "year": str(day.year)}
