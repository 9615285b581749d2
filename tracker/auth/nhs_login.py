"""Signing in with NHS login: OpenID Connect's authorisation code flow, with PKCE.

- The client proves itself to the token endpoint with a JWT signed by its private key
  (`private_key_jwt`, Authlib's `PrivateKeyJWT`); it has no shared secret.
- The identity level is asked for with `vtr` and checked in the ID token's `vot`: a login
  proved to a lower level than asked opens nothing.
- The ID token's signature (the provider's published keys), issuer, audience, nonce and times
  are checked on the app's clock before anything in it is believed.

A first NHS login is joined to a patient only through the NHS number their team recorded, and
the date of birth where one was recorded: never through an email address. From then on the
patient can sign in either way; the link is NHS login's `sub` for them.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from tracker.config import NhsLoginSettings
from tracker.patients.models import Patient

log = logging.getLogger(__name__)

TIMEOUT = 10  # seconds for any call to NHS login
ID_TOKEN_ALGORITHMS = ("RS512", "RS256")
CLIENT_ASSERTION_ALG = "RS512"


class NhsLoginFailed(Exception):
    """The sign-in could not be completed. `reason` is a code for the log, never shown."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Start:
    """Where to send the browser, and what to keep (in the signed session) for its return."""

    url: str
    state: str
    nonce: str
    verifier: str


@dataclass(frozen=True)
class Identity:
    """What NHS login vouched for: who (`sub`), their NHS number and date of birth."""

    sub: str
    nhs_number: str | None
    birthdate: date | None


def _metadata(cfg: NhsLoginSettings) -> dict:
    """The provider's discovery document; its issuer must be the one configured."""
    try:
        response = requests.get(f"{cfg.issuer}/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
        meta = response.json()
    except (requests.RequestException, ValueError):
        raise NhsLoginFailed("discovery_unavailable") from None
    if meta.get("issuer") != cfg.issuer:
        raise NhsLoginFailed("discovery_issuer_mismatch")
    return meta


def begin(cfg: NhsLoginSettings, redirect_uri: str) -> Start:
    """The authorisation request: state, nonce and a PKCE verifier made here, `vtr` asked."""
    meta = _metadata(cfg)
    state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    params = {
        "response_type": "code",
        "client_id": cfg.client_id,
        "redirect_uri": redirect_uri,
        "scope": cfg.scope,
        "state": state,
        "nonce": nonce,
        "vtr": cfg.vtr,
        "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256",
    }
    return Start(f"{meta['authorization_endpoint']}?{urlencode(params)}", state, nonce, verifier)


def finish(
    cfg: NhsLoginSettings,
    code: str,
    start: Start,
    redirect_uri: str,
    now: datetime,
) -> Identity:
    """Exchange the code (signed client assertion, PKCE verifier), check the ID token on the
    app's clock, and read the NHS number and date of birth from the user info."""
    meta = _metadata(cfg)
    client = OAuth2Session(
        cfg.client_id,
        cfg.private_key_pem,
        token_endpoint_auth_method=PrivateKeyJWT(
            meta["token_endpoint"],
            headers={"kid": cfg.key_id} if cfg.key_id else None,
            alg=CLIENT_ASSERTION_ALG,
        ),
        redirect_uri=redirect_uri,
        default_timeout=TIMEOUT,
    )
    try:
        token = client.fetch_token(meta["token_endpoint"], code=code, code_verifier=start.verifier)
    except Exception:  # a refusal, a bad answer or no answer: the same for the patient
        raise NhsLoginFailed("token_refused") from None
    sub = _checked_id_token(cfg, meta, token.get("id_token"), start.nonce, now)
    info = _user_info(meta, token.get("access_token"))
    if info.get("sub") != sub:
        raise NhsLoginFailed("userinfo_subject_mismatch")
    return Identity(sub, _nhs_number(info.get("nhs_number")), _birthdate(info.get("birthdate")))


def _checked_id_token(
    cfg: NhsLoginSettings, meta: dict, id_token: str | None, nonce: str, now: datetime
) -> str:
    """The ID token's subject, once its signature, claims and identity level are checked."""
    if not id_token:
        raise NhsLoginFailed("no_id_token")
    try:
        keys = requests.get(meta["jwks_uri"], timeout=TIMEOUT).json()
        decoded = jwt.decode(id_token, KeySet.import_key_set(keys), ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            now=int(now.timestamp()),
            leeway=60,
            iss={"essential": True, "value": cfg.issuer},
            aud={"essential": True, "value": cfg.client_id},
            nonce={"essential": True, "value": nonce},
            sub={"essential": True},
            exp={"essential": True},
            iat={"essential": True},
        ).validate(decoded.claims)
    except (requests.RequestException, ValueError, KeyError, JoseError):
        raise NhsLoginFailed("id_token_invalid") from None
    if decoded.claims.get("vot") not in cfg.levels:
        raise NhsLoginFailed("identity_level_too_low")
    return str(decoded.claims["sub"])


def _user_info(meta: dict, access_token: str | None) -> dict:
    try:
        response = requests.get(
            meta["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )
        response.raise_for_status()
        info = response.json()
    except (requests.RequestException, ValueError, KeyError):
        raise NhsLoginFailed("userinfo_unavailable") from None
    if not isinstance(info, dict):
        raise NhsLoginFailed("userinfo_unavailable")
    return info


def _nhs_number(value: object) -> str | None:
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    return digits if len(digits) == 10 else None


def _birthdate(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def patient_for(s: Session, identity: Identity, now: datetime) -> Patient:
    """The patient this NHS login is, linking it the first time by NHS number (and date of
    birth, where the team recorded one). The caller commits."""
    linked = s.scalar(select(Patient).where(Patient.nhs_login_sub == identity.sub))
    if linked is not None:
        return linked
    if identity.nhs_number is None:
        raise NhsLoginFailed("no_nhs_number")
    patient = s.scalar(select(Patient).where(Patient.nhs_number == identity.nhs_number))
    if patient is None:
        raise NhsLoginFailed("not_enrolled")
    if patient.date_of_birth is not None and patient.date_of_birth != identity.birthdate:
        raise NhsLoginFailed("date_of_birth_differs")
    if patient.nhs_login_sub is not None:
        # The record is joined to another NHS login already: never move it silently.
        raise NhsLoginFailed("linked_to_another_login")
    patient.nhs_login_sub = identity.sub
    patient.nhs_login_linked_at = now
    log.info("nhs login linked for patient %s", patient.id)
    return patient
