"""The queue (sorted, filtered and paged), an alert's page with its outcome and who has it, and
a quiet patient's outcome.

Thin: read the form, call a use case in tracker.team, commit, redirect. A GET writes only the
audit row of a page that shows one patient's record; the queue's GET writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tracker import db
from tracker.forms import Errors, parse_id, parse_int, render_form
from tracker.patients import reachability
from tracker.patients.models import Patient
from tracker.rules import load_rules
from tracker.team import (
    access,
    assignment,
    attempts,
    audit,
    outcomes,
    queue_filter,
    quiet,
    record,
    wording,
)
from tracker.team import queue as alert_queue
from tracker.team.models import ATTEMPTS, OUTCOMES, VIEWED_ALERT, VIEWED_QUIET, Staff
from tracker.team.views.common import bp, or_404, staff

# What the outcome form offers, on the alert's page and the quiet patient's alike.
FORM_WORDS = {
    "outcomes": OUTCOMES,
    "outcome_labels": wording.OUTCOME_LABELS,
    "attempts": ATTEMPTS,
    "attempt_labels": wording.ATTEMPT_LABELS,
}
# The queue names this many of the patients no prompt reaches, and links to the rest.
UNREACHABLE_SHOWN = 10
# The queue shows this many of the patients not heard from and of the alerts answered, and
# links to their own pages for the rest.
SHOWN = 10

# What the page says once saved, for an outcome (False) or a try that kept it waiting (True).
ALERT_SAVED = {
    False: "Saved. The alert is closed and the patient's diary says so.",
    True: "Saved. The alert stays open so that someone tries again.",
}
QUIET_SAVED = {
    False: "Saved. The patient has left the list of patients not heard from.",
    True: "Saved. The patient stays on the list so that someone tries again.",
}


# The item closed between the form being shown and sent (another member, or the patient).
ALREADY_CLOSED = (outcomes.NotWaiting, quiet.AlreadyRecorded, IntegrityError)


def save_answer(
    member: Staff,
    found: Patient,
    close: Callable[[Session, outcomes.OutcomeValues], object],
    saved: dict[bool, str],
    gone: str,
    gone_to: str,
    **about,
):
    """The outcome form's POST, the same for an alert, a quiet patient and a request: read it,
    then record in one transaction a try that keeps the item waiting or the outcome that closes
    it (`close(tx, values)`). Returns the values as typed, their errors, and the redirect to
    send, or None to show the form again."""
    errors = Errors()
    values = outcomes.read_outcome(request.form, errors)
    if errors:
        return values, errors, None
    try:
        with db.transaction() as tx:
            tried = outcomes.record_answer(
                tx, member, found, values, lambda: close(tx, values), **about
            )
    except ALREADY_CLOSED:
        flash(gone)
        return values, errors, redirect(gone_to)
    # No name or symptom: flashed messages travel in the (signed, readable) cookie.
    flash(saved[tried], "success")
    return values, errors, redirect(url_for("team.queue"))


# The item left the queue before it could be given to someone.
NO_LONGER_WAITING = (assignment.NotWaiting, outcomes.NotWaiting)


def save_assignment(
    member: Staff,
    chosen: str,
    assign: Callable[[Session, int | None], object],
    saved: str,
    gone: str,
    gone_to: str,
    back_to: str,
):
    """The "who has it" form's POST, the same for an alert and a request: `chosen` is a member's
    id, "me" or empty for nobody; `assign(tx, staff_id)` gives it. Returns the errors, and the
    redirect to send, or None to show the page again."""
    to = member.id if chosen == "me" else parse_id(chosen)
    errors = Errors()
    if chosen not in ("", "me") and to is None:
        errors.add("assignee", "Select a member of the team, or nobody")
        return errors, None
    try:
        with db.transaction() as tx:
            assign(tx, to)
    except assignment.NotAMember:
        errors.add("assignee", "Select a member of the patient's team, or nobody")
    except NO_LONGER_WAITING:
        flash(gone)
        return errors, redirect(gone_to)
    except IntegrityError:
        errors.add("assignee", "Someone changed this at the same moment. Choose again")
    else:
        flash(saved, "success")
        return errors, redirect(back_to)
    return errors, None


@bp.get("/")
def queue():
    """Alerts waiting for the member's teams, sorted and filtered as chosen (the home page)."""
    member = staff()
    s = db.session()
    rules = load_rules()
    chosen = queue_filter.read_filter(request.args)
    return render_template(
        "team/queue.html",
        found=alert_queue.queue_page(s, member, rules, chosen),
        members=assignment.members_of(s, access.visible_team_ids(member)),
        me=member,
        filters=queue_filter,
        wording=wording,
        history=alert_queue.answered_alerts(s, member, rules, size=SHOWN),
        history_days=alert_queue.HISTORY_DAYS,
        quiet=quiet.waiting_quiet(s, member, size=SHOWN),
        on_queue=True,
        several_teams=len(member.team_ids) > 1,
        unreachable=reachability.first_unreachable(s, member.team_ids, UNREACHABLE_SHOWN + 1),
        unreachable_shown=UNREACHABLE_SHOWN,
    )


@bp.get("/quiet/")
def quiet_list():
    """Every patient not heard from waiting for a call, a page at a time, oldest first."""
    member = staff()
    found = quiet.waiting_quiet(db.session(), member, page=_page())
    return _paged(
        "Patients not heard from", "team/_quiet.html", found, "team.quiet_list", quiet=found
    )


@bp.get("/answered/")
def answered():
    """Every alert the patient answered in the last days that left the queue, most recent first."""
    member = staff()
    found = alert_queue.answered_alerts(db.session(), member, load_rules(), page=_page())
    return _paged(
        "Answered by the patient",
        "team/_answered.html",
        found,
        "team.answered",
        history=found,
        history_days=alert_queue.HISTORY_DAYS,
    )


def _page() -> int:
    return parse_int(request.args.get("page"), 1, queue_filter.PAGE_MAX) or 1


def _paged(title: str, part: str, found, endpoint: str, **shown):
    return render_template(
        "team/paged_list.html",
        title=title,
        part=part,
        found=found,
        endpoint=endpoint,
        filters=queue_filter,
        several_teams=len(staff().team_ids) > 1,
        **shown,
    )


def _alert_page(alert_id: int, errors: Errors, values: outcomes.OutcomeValues, chosen: str = ""):
    """The alert's page: what it is, its latest contact attempt, who has it, the outcome form."""
    member = staff()
    s = db.session()
    with or_404():
        alert, found = access.alert_for(s, member, alert_id)
    [view] = record.alert_views(s, [alert], load_rules())
    held = assignment.assigned_to(s, alert.id)
    if request.method == "GET":
        audit.record(s, member.id, VIEWED_ALERT, found, detail=f"alert {alert.id}")
        s.commit()
    return render_form(
        "team/outcome.html",
        errors,
        view=view,
        p=found,
        values=values,
        answer=alert_queue.ANSWER_WORDS.get(alert.status),
        attempt=attempts.latest_words(s, "alert_id", alert.id),
        held=held,
        members=assignment.members_of(s, [found.team_id]),
        assignee=chosen or (str(held.staff_id) if held else ""),
        me=member,
        **FORM_WORDS,
    )


@bp.route("/alerts/<int:alert_id>/outcome", methods=["GET", "POST"])
def outcome(alert_id: int):
    """Record what the team did about an alert (this closes it), or a try that did not reach
    the patient (the alert stays open)."""
    member = staff()
    s = db.session()
    with or_404():
        alert, found = access.alert_for(s, member, alert_id)
    errors, values = Errors(), outcomes.OutcomeValues()
    if request.method == "POST" and alert.waits_for_team:
        values, errors, done = save_answer(
            member,
            found,
            lambda tx, v: outcomes.record_outcome(tx, member, alert_id, v.outcome, v.note),
            ALERT_SAVED,
            "This alert had already been closed.",
            url_for("team.patient", patient_id=found.id),
            alert=alert,
        )
        if done:
            return done
    return _alert_page(alert_id, errors, values)


@bp.post("/alerts/<int:alert_id>/assign")
def assign(alert_id: int):
    """Give the alert to a member of the patient's team ("me" for oneself), or to nobody."""
    member = staff()
    with or_404():
        alert, found = access.alert_for(db.session(), member, alert_id)
    chosen = request.form.get("assignee") or ""
    errors, done = save_assignment(
        member,
        chosen,
        lambda tx, to: assignment.assign(tx, member, alert.id, to),
        "Saved. The queue shows who has this alert.",
        "This alert had already been closed.",
        url_for("team.patient", patient_id=found.id),
        url_for("team.outcome", alert_id=alert.id),
    )
    return done or _alert_page(alert.id, errors, outcomes.OutcomeValues(), chosen)


@bp.route("/quiet/<int:spell_id>/outcome", methods=["GET", "POST"])
def quiet_outcome(spell_id: int):
    """Record what the team did about a patient not heard from (this takes them off the queue),
    or a try that did not reach them (they stay on it)."""
    member = staff()
    s = db.session()
    with or_404():
        spell, found = quiet.spell_for(s, member, spell_id)
    errors, values = Errors(), outcomes.OutcomeValues()
    if request.method == "POST" and spell.outcome is None:
        values, errors, done = save_answer(
            member,
            found,
            lambda tx, v: quiet.record_quiet_outcome(tx, member, spell_id, v.outcome, v.note),
            QUIET_SAVED,
            "What was done had already been recorded.",
            url_for("team.patient", patient_id=found.id),
            spell=spell,
        )
        if done:
            return done
    if request.method == "GET":
        audit.record(s, member.id, VIEWED_QUIET, found, detail=f"quiet {spell.id}")
        s.commit()
    return render_form(
        "team/quiet_outcome.html",
        errors,
        spell=spell,
        words=quiet.spell_words(spell),
        p=found,
        values=values,
        attempt=attempts.latest_words(s, "quiet_spell_id", spell.id),
        **FORM_WORDS,
    )
