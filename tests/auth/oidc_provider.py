"""An OpenID provider of the tests' own, on loopback, standing in for NHS login.

It does what the service relies on NHS login to do, and checks what NHS login checks: the
client's signed assertion against the client's registered public key (private_key_jwt), the
PKCE verifier against the challenge, a code used once for the redirect it was issued to. It signs
ID tokens with a key of its own, published at its JWKS address. A test says who signs in next
(`provider.person`), or that they refuse (`provider.refuse`).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server

CLIENT_ID = "tracker-test-client"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@dataclass
class Person:
    sub: str = "nhs-login-sub-0001"
    nhs_number: str = "9434765919"
    birthdate: str = "1961-04-12"
    email: str = "someone@example.test"
    vot: str = "P9.Cp.Cd"


@dataclass
class Provider:
    client_key: RSAKey  # the client's key pair: the public half is "registered" here
    redirect_uri: str
    person: Person = field(default_factory=Person)
    refuse: bool = False
    base_url: str = ""
    signing_key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, private=True))
    authorize_requests: list[dict] = field(default_factory=list)
    assertions_accepted: int = 0
    codes: dict[str, dict] = field(default_factory=dict)
    tokens: dict[str, Person] = field(default_factory=dict)
    seen_jti: set[str] = field(default_factory=set)

    def app(self) -> Flask:
        app = Flask("oidc-provider")

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify(
                issuer=self.base_url,
                authorization_endpoint=f"{self.base_url}/authorize",
                token_endpoint=f"{self.base_url}/token",
                userinfo_endpoint=f"{self.base_url}/userinfo",
                jwks_uri=f"{self.base_url}/jwks",
                token_endpoint_auth_methods_supported=["private_key_jwt"],
            )

        @app.get("/jwks")
        def jwks():
            return jsonify(keys=[self.signing_key.as_dict(private=False, kid="provider-1")])

        @app.get("/authorize")
        def authorize():
            args = request.args.to_dict()
            self.authorize_requests.append(args)
            if args.get("client_id") != CLIENT_ID or args.get("redirect_uri") != self.redirect_uri:
                abort(400)
            back = args["redirect_uri"]
            if self.refuse:
                return redirect(f"{back}?{urlencode({'error': 'access_denied'})}")
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"args": args, "person": self.person}
            return redirect(f"{back}?{urlencode({'code': code, 'state': args['state']})}")

        @app.post("/token")
        def token():
            form = request.form
            if not self._assertion_ok(form):
                return jsonify(error="invalid_client"), 401
            issued = self.codes.pop(form.get("code", ""), None)  # a code works once
            if issued is None or form.get("redirect_uri") != issued["args"]["redirect_uri"]:
                return jsonify(error="invalid_grant"), 400
            challenge = create_s256_code_challenge(form.get("code_verifier", ""))
            if challenge != issued["args"].get("code_challenge"):
                return jsonify(error="invalid_grant"), 400
            person: Person = issued["person"]
            access = secrets.token_urlsafe(16)
            self.tokens[access] = person
            now = int(time.time())
            claims = {
                "iss": self.base_url,
                "aud": CLIENT_ID,
                "sub": person.sub,
                "nonce": issued["args"]["nonce"],
                "iat": now,
                "exp": now + 300,
                "vot": person.vot,
            }
            header = {"alg": "RS512", "kid": "provider-1"}
            id_token = jwt.encode(header, claims, self.signing_key, ["RS512"])
            return jsonify(
                access_token=access, token_type="Bearer", expires_in=300, id_token=id_token
            )

        @app.get("/userinfo")
        def userinfo():
            bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
            person = self.tokens.get(bearer)
            if person is None:
                return jsonify(error="invalid_token"), 401
            return jsonify(
                sub=person.sub,
                nhs_number=person.nhs_number,
                birthdate=person.birthdate,
                email=person.email,
            )

        return app

    def _assertion_ok(self, form) -> bool:
        """The client's JWT: signed with its registered key, about itself, for this endpoint,
        in date, and never seen before."""
        if form.get("client_assertion_type") != ASSERTION_TYPE:
            return False
        public = RSAKey.import_key(self.client_key.as_dict(private=False))
        try:
            decoded = jwt.decode(form.get("client_assertion", ""), KeySet([public]), ["RS512"])
            jwt.JWTClaimsRegistry(
                iss={"essential": True, "value": CLIENT_ID},
                sub={"essential": True, "value": CLIENT_ID},
                aud={"essential": True, "value": f"{self.base_url}/token"},
                exp={"essential": True},
                jti={"essential": True},
            ).validate(decoded.claims)
        except (JoseError, ValueError):
            return False
        if decoded.claims["jti"] in self.seen_jti:
            return False
        self.seen_jti.add(decoded.claims["jti"])
        self.assertions_accepted += 1
        return True


def serve(provider: Provider):
    """Start the provider on a free loopback port in a thread; returns the server."""
    server = make_server("127.0.0.1", 0, provider.app(), threaded=True)
    provider.base_url = f"http://127.0.0.1:{server.server_port}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
