"""Demo data: a team, and Alex Demo with four weeks of believable diary. Never in production."""

from __future__ import annotations

from datetime import date, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tracker import clock, config, db
from tracker.auth.passwords import hash_password
from tracker.detection.patient import apply_assessment, assess_patient
from tracker.diary import services
from tracker.diary.services import SymptomReport
from tracker.patients import conditions
from tracker.patients.models import ContactPreference, Patient
from tracker.rules import load_rules
from tracker.support.seed import DEMO_ACTOR, load_demo_directory
from tracker.team.accounts import NewStaff, create_staff
from tracker.team.models import CLINICIAN, Team

DEMO_EMAIL = "patient@demo.test"
DEMO_PASSWORD = "demo-diary-1234"  # noqa: S105 - published in the README on purpose
# A clinician of Alex's team. The TOTP secret is published too, so the demo can be signed in to
# with any authenticator app (or `python -c "import pyotp; print(pyotp.TOTP(S).now())"`). It is
# the short, well-known example secret the issue publishes; real staff get 160-bit secrets.
DEMO_STAFF_EMAIL = "clinician@demo.test"
DEMO_STAFF_PASSWORD = "demo-team-1234"  # noqa: S105 - published in the README on purpose
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 - published on purpose
# A second team with a patient of its own, for trying cross-team access by hand.
OTHER_TEAM_NAME = "Oncology Follow-up Team (demo)"
OTHER_PATIENT_EMAIL = "sam@demo.test"
# Ofcom keeps 0118 496 0xxx and 07700 900xxx for fiction: they never reach a real person.
DEMO_TEAM_PHONE = "0118 496 0123"
DEMO_MOBILE = "+447700900123"
# NHS numbers from the 999 range, which no real patient has, each with a valid check digit.
DEMO_NHS_NUMBER = "9991234578"
OTHER_NHS_NUMBER = "9996543218"

# (days before today, severity, note): back pain that lasts and slowly gets worse.
BONE_PAIN = [
    (27, 3, "Ache low in my back after gardening, I think."),
    (24, 3, None),
    (21, 4, None),
    (18, 4, "Still there. Paracetamol takes the edge off."),
    (15, 5, None),
    (12, 5, "Woke me up twice in the night."),
    (9, 6, None),
    (6, 6, None),
    (3, 7, "Hard to get comfortable in bed."),
    (1, 7, None),
]
# Tiredness that the team already knows about (hormone therapy): logged, but not "new".
FATIGUE = [(26, 4), (19, 5), (12, 4), (5, 4)]
# A cough that came and went.
COUGH = [(23, 3), (21, 2)]
CHECK_INS = [25, 20, 16, 13, 8, 4]


def load_demo(s: Session, today: date) -> Patient:
    """Create the demo team and patient, and fill the diary back from `today`."""
    team = Team(
        name="Breast Care Team (demo)",
        hospital="Demo General Hospital",
        phone=DEMO_TEAM_PHONE,
        email="breastcare@demo.test",
        hours="Monday to Friday, 9am to 5pm",
        out_of_hours="Outside these hours, call NHS 111. In an emergency, call 999.",
    )
    s.add(team)
    s.flush()
    now = clock.now()
    patient = Patient(
        team_id=team.id,
        name="Alex Demo",
        nhs_number=DEMO_NHS_NUMBER,
        date_of_birth=date(1968, 4, 23),
        email=DEMO_EMAIL,
        mobile=DEMO_MOBILE,
        timezone=config.current().timezone.key,
        enrolled_on=today - timedelta(days=60),
        password_hash=hash_password(DEMO_PASSWORD),
        email_consent_at=now,
        sms_consent_at=now,
    )
    s.add(patient)
    s.flush()
    # Reminders are their own consent (rules §4a): Alex chose them by both channels.
    s.add(ContactPreference(patient_id=patient.id, remind_by_email=True, remind_by_sms=True))
    conditions.add(s, patient, "fatigue", staff_id=None, now=now)

    for days_ago, severity, note in BONE_PAIN:
        onset = today - timedelta(days=28) if days_ago == 27 else None
        report = SymptomReport(
            "bone_pain", severity, onset_date=onset, note=note, worrying=days_ago <= 3
        )
        services.record_symptoms(s, patient, today - timedelta(days=days_ago), [report])
    for days_ago, severity in FATIGUE:
        services.record_symptoms(
            s, patient, today - timedelta(days=days_ago), [SymptomReport("fatigue", severity)]
        )
    for days_ago, severity in COUGH:
        services.record_symptoms(
            s, patient, today - timedelta(days=days_ago), [SymptomReport("cough", severity)]
        )
    services.record_resolved(s, patient, "cough", today - timedelta(days=19))
    for days_ago in CHECK_INS:
        services.record_check_in(s, patient, today - timedelta(days=days_ago))
    load_demo_directory(s, today)  # the support directory, with two labelled examples
    _load_team_demo(s, team, today)
    return patient


def _load_team_demo(s: Session, team: Team, today: date) -> None:
    """The clinician of Alex's team, and a second team with Sam Example in it."""
    clinician = create_staff(
        s,
        NewStaff(
            name="Jo Clinician (demo)",
            email=DEMO_STAFF_EMAIL,
            password=DEMO_STAFF_PASSWORD,
            team_id=team.id,
            role=CLINICIAN,
        ),
    )
    # Set directly: the published secret is shorter than `staff create` accepts for real staff.
    clinician.totp_secret = DEMO_TOTP_SECRET
    clinician.totp_enabled_at = clinician.password_changed_at
    other = Team(
        name=OTHER_TEAM_NAME,
        hospital="Demo County Hospital",
        phone="0118 496 0456",
        email="oncology@demo.test",
        hours="Monday to Friday, 8am to 4pm",
        out_of_hours="Outside these hours, call NHS 111. In an emergency, call 999.",
    )
    s.add(other)
    s.flush()
    sam = Patient(
        team_id=other.id,
        name="Sam Example",
        nhs_number=OTHER_NHS_NUMBER,
        date_of_birth=date(1975, 11, 2),
        email=OTHER_PATIENT_EMAIL,
        mobile="+447700900456",
        timezone=config.current().timezone.key,
        enrolled_on=today - timedelta(days=30),
        password_hash=hash_password(DEMO_PASSWORD),
        email_consent_at=clock.now(),
    )
    s.add(sam)
    s.flush()
    s.add(ContactPreference(patient_id=sam.id, remind_by_email=True))
    for days_ago, severity in ((6, 3), (2, 4)):
        services.record_symptoms(
            s, sam, today - timedelta(days=days_ago), [SymptomReport("headache", severity)]
        )


def assess_demo_patient(s: Session, patient_id: int, today: date) -> None:
    """Assess Alex's diary as a save does, so the alert is there when the demo opens, not
    after the next detection pass."""
    apply_assessment(s, assess_patient(s, patient_id, today, load_rules()), DEMO_ACTOR)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing if the database already has a team.")
def demo_command(if_empty: bool) -> None:
    """Load the demo team and patient (refused when TRACKER_ENV=production)."""
    if config.current().production:
        raise click.ClickException("The demo data is never loaded in production.")
    s = db.session()
    if s.scalar(select(func.count()).select_from(Team)):
        if if_empty:
            click.echo("The database already has data: no demo data loaded.")
            return
        raise click.ClickException(
            "The database already has data. Use a fresh database for the demo."
        )
    today = clock.today(config.current().timezone)
    with db.transaction() as s:
        alex_id = load_demo(s, today).id
    assess_demo_patient(db.session(), alex_id, today)
    click.echo("Demo data loaded. Sign in at /sign-in as:")
    click.echo(f"  patient: {DEMO_EMAIL}  password: {DEMO_PASSWORD}")
    click.echo("Staff sign in to the team workspace at /team/sign-in as:")
    click.echo(f"  clinician: {DEMO_STAFF_EMAIL}  password: {DEMO_STAFF_PASSWORD}")
    click.echo(f"  TOTP secret (add it to an authenticator app): {DEMO_TOTP_SECRET}")
    click.echo(
        f"  A second team, {OTHER_TEAM_NAME}, has a patient of its own ({OTHER_PATIENT_EMAIL}, "
        "same password as Alex) whom the clinician cannot see."
    )
