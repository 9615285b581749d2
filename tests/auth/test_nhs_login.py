"""Signing in with NHS login (issue 22, item 6), against an OpenID provider of the tests' own."""

from __future__ import annotations

import logging
from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import RSAKey

from tests.auth.oidc_provider import CLIENT_ID, Person, Provider, serve
from tests.conftest import reconfigure
from tracker.patients.models import Patient

REDIRECT = "http://localhost/sign-in/nhs-login/back"
VTR = '["P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"]'


@pytest.fixture
def client_key() -> RSAKey:
    return RSAKey.generate_key(2048, private=True)


@pytest.fixture
def provider(client_key):
    provider = Provider(client_key=client_key, redirect_uri=REDIRECT)
    server = serve(provider)
    yield provider
    server.shutdown()


@pytest.fixture
def nhs_app(app, provider, client_key):
    reconfigure(
        app,
        nhs_login={
            "issuer": provider.base_url,
            "client_id": CLIENT_ID,
            "private_key_pem": client_key.as_pem(private=True).decode(),
            "vtr": VTR,
        },
    )
    return app


@pytest.fixture
def enrolled(session, patient):
    """The patient as their team enrolled them: NHS number and date of birth recorded."""
    patient.nhs_number = Person.nhs_number
    patient.date_of_birth = date(1961, 4, 12)
    session.commit()
    return patient


def nhs_sign_in(client):
    """Out to the provider, back with its answer: the service's last response."""
    out = client.get("/sign-in/nhs-login/")
    assert out.status_code == 302
    answer = requests.get(out.headers["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert f"{back.scheme}://{back.netloc}{back.path}" == REDIRECT
    return client.get(f"{back.path}?{back.query}")


def test_the_way_out_asks_for_the_identity_level_with_state_nonce_and_pkce(nhs_app, provider):
    out = nhs_app.test_client().get("/sign-in/nhs-login/")
    query = parse_qs(urlsplit(out.headers["Location"]).query)
    asked = {name: values[0] for name, values in query.items()}
    assert asked["vtr"] == VTR and asked["response_type"] == "code"
    assert asked["client_id"] == CLIENT_ID and asked["redirect_uri"] == REDIRECT
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32


def test_a_first_nhs_login_joins_the_patient_by_nhs_number_and_signs_them_in(
    nhs_app, provider, enrolled, session
):
    client = nhs_app.test_client()
    assert nhs_sign_in(client).headers["Location"] == "/diary/"
    assert client.get("/diary/").status_code == 200
    session.expire_all()
    joined = session.get(Patient, enrolled.id)
    assert joined.nhs_login_sub == Person.sub and joined.nhs_login_linked_at is not None
    assert provider.assertions_accepted == 1  # the client proved itself with its signed JWT


def test_later_the_nhs_login_finds_the_patient_by_its_own_subject(
    nhs_app, provider, enrolled, session
):
    nhs_sign_in(nhs_app.test_client())
    enrolled.nhs_number = None  # the team corrects the record: the link stands
    session.commit()
    again = nhs_app.test_client()
    assert nhs_sign_in(again).headers["Location"] == "/diary/"


@pytest.mark.parametrize(
    "person",
    [
        Person(nhs_number="9000000009"),  # a number no team enrolled
        Person(birthdate="1961-04-13"),  # the right number, another date of birth
        Person(nhs_number=""),  # no number at all
    ],
    ids=["unknown number", "date of birth differs", "no number"],
)
def test_a_login_that_matches_no_enrolled_patient_signs_in_nobody(
    nhs_app, provider, enrolled, session, person
):
    provider.person = person
    client = nhs_app.test_client()
    answer = nhs_sign_in(client)
    assert answer.status_code == 403
    assert "does not match a diary that your treating team has set up" in answer.text
    assert client.get("/diary/").status_code == 302  # still signed out
    session.expire_all()
    assert session.get(Patient, enrolled.id).nhs_login_sub is None


def test_an_email_address_alone_never_joins_a_login_to_an_account(
    nhs_app, provider, enrolled, session
):
    provider.person = Person(nhs_number="9000000009", email=enrolled.email)
    assert nhs_sign_in(nhs_app.test_client()).status_code == 403
    session.expire_all()
    assert session.get(Patient, enrolled.id).nhs_login_sub is None


def test_a_login_proved_to_a_lower_level_than_asked_opens_nothing(
    nhs_app, provider, enrolled, session
):
    provider.person = Person(vot="P5.Cp.Cd")
    client = nhs_app.test_client()
    assert nhs_sign_in(client).status_code == 400
    assert client.get("/diary/").status_code == 302
    session.expire_all()
    assert session.get(Patient, enrolled.id).nhs_login_sub is None


def test_a_record_joined_to_one_login_is_not_moved_to_another(nhs_app, provider, enrolled, session):
    nhs_sign_in(nhs_app.test_client())
    provider.person = Person(sub="someone-else-entirely")
    assert nhs_sign_in(nhs_app.test_client()).status_code == 400
    session.expire_all()
    assert session.get(Patient, enrolled.id).nhs_login_sub == Person.sub


def test_a_wrong_state_a_reused_code_or_a_refusal_changes_nothing(
    nhs_app, provider, enrolled, session
):
    client = nhs_app.test_client()
    out = client.get("/sign-in/nhs-login/")
    answer = requests.get(out.headers["Location"], allow_redirects=False, timeout=10)
    back = urlsplit(answer.headers["Location"])
    code = parse_qs(back.query)["code"][0]
    assert client.get(f"{back.path}?code={code}&state=not-the-state").status_code == 400
    # The state was spent by that try: the right one now finds nothing waiting.
    assert client.get(f"{back.path}?{back.query}").status_code == 400
    provider.refuse = True
    refused = nhs_sign_in(nhs_app.test_client())
    assert refused.status_code == 400 and "Nothing has been changed" in refused.text
    session.expire_all()
    assert session.get(Patient, enrolled.id).nhs_login_sub is None


def test_a_client_key_the_provider_does_not_know_is_refused(
    app, provider, enrolled, session, caplog
):
    stranger = RSAKey.generate_key(2048, private=True)
    reconfigure(
        app,
        nhs_login={
            "issuer": provider.base_url,
            "client_id": CLIENT_ID,
            "private_key_pem": stranger.as_pem(private=True).decode(),
        },
    )
    with caplog.at_level(logging.WARNING):
        assert nhs_sign_in(app.test_client()).status_code == 400
    assert provider.assertions_accepted == 0
    assert "token_refused" in caplog.text and Person.nhs_number not in caplog.text


def test_nhs_login_is_off_unless_configured(app):
    client = app.test_client()
    assert client.get("/sign-in/nhs-login/").status_code == 404
    assert client.get("/sign-in/nhs-login/back?code=x&state=y").status_code == 404
    assert "NHS login" not in client.get("/sign-in").text


def test_the_sign_in_page_offers_nhs_login_when_it_is_configured(nhs_app):
    page = nhs_app.test_client().get("/sign-in").text
    assert "Continue to NHS login" in page and 'href="/sign-in/nhs-login/"' in page
