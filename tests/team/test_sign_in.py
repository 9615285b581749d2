"""Staff sign-in: password, then a TOTP code or a recovery code; enrolment; limits; idle expiry."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from tests.auth.conftest import sign_in_form
from tests.conftest import csrf_from, reconfigure, sign_in_as
from tests.team.conftest import (
    PASSWORD,
    SECRET,
    code_now,
    database,
    make_staff,
    plain,
    read,
    staff_sign_in_as,
    text_of,
)
from tracker import config
from tracker.auth.models import UserSession
from tracker.clock import SYSTEM
from tracker.patients.models import Patient
from tracker.team import totp
from tracker.team.accounts import replace_recovery_codes
from tracker.team.models import RecoveryCode, Staff
from tracker.team.views.sign_in import PENDING

EMAIL = "clinician.a@example.test"


def _password_step(client, email=EMAIL, password=PASSWORD, page="/team/sign-in"):
    token = csrf_from(client, page)
    return client.post(page, data={"csrf_token": token, "email": email, "password": password})


def _code_step(client, code: str, page="/team/sign-in/code"):
    token = csrf_from(client, page)
    return client.post(page, data={"csrf_token": token, "code": code})


def _signed_in(client) -> bool:
    return client.get("/team/").status_code == 200


def test_password_then_code_signs_in_and_lands_on_the_queue(client, world):
    response = _password_step(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/sign-in/code"
    assert not _signed_in(client)  # a password alone is not enough

    response = _code_step(client, code_now())
    assert response.status_code == 302
    assert response.headers["Location"] == "/team/"
    assert _signed_in(client)
    assert "Alerts and requests waiting for your team" in text_of(client.get("/team/"))


def test_next_is_followed_after_both_steps_when_it_stays_on_the_site(client, world):
    page = f"/team/sign-in?next=/team/patients/{world.ours.patient}"
    _password_step(client, page=page)
    assert _code_step(client, code_now()).headers["Location"] == (
        f"/team/patients/{world.ours.patient}"
    )

    other = client.application.test_client()
    _password_step(other, page="/team/sign-in?next=https://evil.example/")
    response = _code_step(other, _fresh_code(client.application))
    assert response.headers["Location"] == "/team/"


def _fresh_code(app) -> str:
    # The code just used is refused for the rest of its 30 seconds: let this test use it again.
    with database(app) as s:
        s.execute(update(Staff).values(totp_last_step=None))
        s.commit()
    return code_now()


def test_wrong_password_and_unknown_email_get_the_same_answer(client, world):
    wrong = _password_step(client, password="not the password at all")
    unknown = _password_step(client, email="nobody@example.test")
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert "Your email address or password is not right" in text_of(response)
    assert 'value="nobody@example.test"' in text_of(unknown)
    assert "not the password at all" not in text_of(wrong)


def test_a_patient_password_does_not_open_the_workspace(client, world):
    response = _password_step(client, email="patient.a@example.test")
    assert response.status_code == 400


def test_a_wrong_code_is_refused_with_the_error_beside_the_field(client, world):
    _password_step(client)
    response = _code_step(client, "000000" if code_now() != "000000" else "111111")
    assert response.status_code == 400
    body = text_of(response)
    assert "The code is not right" in body and 'href="#code"' in body
    assert not _signed_in(client)


def test_a_code_cannot_be_used_twice(app, world):
    code = code_now()
    first = app.test_client()
    _password_step(first)
    assert _code_step(first, code).status_code == 302

    second = app.test_client()
    _password_step(second)
    assert _code_step(second, code).status_code == 400  # replayed within its 30 seconds


def test_the_code_page_needs_the_password_step_first(client, world):
    response = client.get("/team/sign-in/code")
    assert response.headers["Location"] == "/team/sign-in"
    assert client.get("/team/sign-in/set-up").headers["Location"] == "/team/sign-in"


def test_a_half_finished_sign_in_runs_out(client, world):
    _password_step(client)
    with client.session_transaction() as sess:
        pending = sess[PENDING]
        pending["at"] -= 10 * 60
        sess[PENDING] = pending
    assert client.get("/team/sign-in/code").headers["Location"] == "/team/sign-in"


def test_a_recovery_code_works_once(app, world):
    with database(app) as s:
        codes = replace_recovery_codes(s, s.get(Staff, world.ours.clinician))
        s.commit()
    first = app.test_client()
    _password_step(first)
    assert _code_step(first, codes[0].lower().replace("-", " ")).status_code == 302
    again = app.test_client()
    _password_step(again)
    assert _code_step(again, codes[0]).status_code == 400
    used = read(
        app, lambda s: s.scalar(select(func.count()).where(RecoveryCode.used_at.isnot(None)))
    )
    assert used == 1


def test_failed_codes_are_limited(app, world):
    reconfigure(app, sign_in={"per_account": 3})
    client = app.test_client()
    _password_step(client)
    for _ in range(3):
        assert _code_step(client, "abc").status_code == 400
    response = _code_step(client, code_now())  # even the right code waits now
    assert response.status_code == 429
    assert "Wait 15 minutes" in text_of(response)


def test_failed_passwords_are_limited_apart_from_patients(app, world):
    reconfigure(app, sign_in={"per_account": 2})
    client = app.test_client()
    for _ in range(2):
        _password_step(client, password="wrong password here")
    assert _password_step(client).status_code == 429
    # The patients' sign-in for the same address keeps its own count.
    assert sign_in_form(client, EMAIL, "whatever it is").status_code == 400


# ---- first sign-in: enrolling the authenticator ---------------------------------------------


def test_first_sign_in_enrols_an_authenticator_with_a_qr_code(app, world):
    with database(app) as s:
        make_staff(s, "new@example.test", world.ours.team, secret=None)
    client = app.test_client()
    response = _password_step(client, email="new@example.test")
    assert response.headers["Location"] == "/team/sign-in/set-up"
    page = client.get("/team/sign-in/set-up")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body and 'role="img"' in body
    assert '<title id="qr-title">QR code' in body
    shown = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', body).group(1)
    secret = shown.replace(" ", "")
    assert (
        read(
            app,
            lambda s: s.scalar(select(Staff.totp_secret).where(Staff.email == "new@example.test")),
        )
        == secret
    )
    # The same secret on a second visit: scanning once is enough.
    assert shown in client.get("/team/sign-in/set-up").get_data(as_text=True)

    wrong = _code_step(
        client,
        "123456" if totp.code_at(secret, SYSTEM.now()) != "123456" else "654321",
        page="/team/sign-in/set-up",
    )
    assert wrong.status_code == 400

    done = _code_step(client, totp.code_at(secret, SYSTEM.now()), page="/team/sign-in/set-up")
    assert done.status_code == 200
    codes = re.findall(
        r"<code>([A-Z2-7]{4}(?:-[A-Z2-7]{4}){3})</code>", done.get_data(as_text=True)
    )
    assert len(codes) == 10
    assert _signed_in(client)
    member = read(app, lambda s: s.scalar(select(Staff).where(Staff.email == "new@example.test")))
    assert member.totp_enabled_at is not None
    stored = read(app, lambda s: s.scalars(select(RecoveryCode.code_hash)).all())
    assert codes[0] not in stored and totp.hash_recovery_code(codes[0]) in stored


def test_the_enrolment_page_is_not_shown_once_the_second_factor_is_on(client, world):
    _password_step(client)
    assert client.get("/team/sign-in/set-up").headers["Location"] == "/team/sign-in/code"


# ---- sessions --------------------------------------------------------------------------------


def test_sessions_end_after_inactivity(app, world):
    client = app.test_client()
    staff_sign_in_as(client, world.ours.clinician)
    assert _signed_in(client)
    idle = int(config.of(app).web.staff_idle.total_seconds() // 60)
    assert idle == 30
    with database(app) as s:
        s.execute(
            update(UserSession).values(last_seen_at=SYSTEM.now() - timedelta(minutes=idle - 2))
        )
        s.commit()
    assert _signed_in(client)  # 28 minutes idle: still there, and the clock restarts
    last_seen = read(app, lambda s: s.scalar(select(UserSession.last_seen_at)))
    assert SYSTEM.now() - last_seen < timedelta(minutes=1)
    with database(app) as s:
        s.execute(
            update(UserSession).values(last_seen_at=SYSTEM.now() - timedelta(minutes=idle + 1))
        )
        s.commit()
    response = client.get("/team/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/team/sign-in")
    assert read(app, lambda s: s.scalar(select(UserSession.ended_reason))) == "idle"


def test_patient_sessions_keep_their_own_rules(app, world, session):
    client = app.test_client()
    sign_in_as(client, session.get(Patient, world.ours.patient))
    with database(app) as s:
        s.execute(update(UserSession).values(last_seen_at=SYSTEM.now() - timedelta(hours=2)))
        s.commit()
    assert client.get("/diary/").status_code == 200


def test_sign_out_ends_the_session_on_the_server(app, world):
    client = app.test_client()
    staff_sign_in_as(client, world.ours.clinician)
    token = csrf_from(client, "/team/")
    response = client.post("/team/sign-out", data={"csrf_token": token})
    assert response.headers["Location"] == "/team/sign-in"
    assert read(app, lambda s: s.scalar(select(UserSession.ended_reason))) == "signed_out"
    assert not _signed_in(client)


def test_sign_out_everywhere_ends_every_session(app, world):
    phone, desk = app.test_client(), app.test_client()
    staff_sign_in_as(phone, world.ours.clinician)
    staff_sign_in_as(desk, world.ours.clinician)
    token = csrf_from(desk, "/team/account")
    desk.post("/team/account/sign-out-everywhere", data={"csrf_token": token})
    assert not _signed_in(phone) and not _signed_in(desk)


def test_new_recovery_codes_replace_the_old_ones(app, clinician, world):
    token = csrf_from(clinician, "/team/account")
    first = clinician.post("/team/account/recovery-codes", data={"csrf_token": token})
    second = clinician.post("/team/account/recovery-codes", data={"csrf_token": token})
    pattern = r"<code>([A-Z2-7-]{19})</code>"
    old, new = (re.findall(pattern, r.get_data(as_text=True)) for r in (first, second))
    assert len(old) == len(new) == 10 and not set(old) & set(new)
    assert read(app, lambda s: s.scalar(select(func.count()).select_from(RecoveryCode))) == 10
    assert "Recovery codes left 10" in plain(clinician.get("/team/account"))


def test_a_staff_session_key_is_never_read_as_a_patients(app, world):
    with database(app) as s:
        rows = s.scalars(select(UserSession)).all()
        assert rows == []
    client = app.test_client()
    staff_sign_in_as(client, world.ours.clinician)
    row = read(app, lambda s: s.scalar(select(UserSession)))
    assert row.staff_id == world.ours.clinician and row.patient_id is None
    assert SECRET not in str(row.__dict__)
