"""The second factor: time-based codes (RFC 6238, through pyotp), recovery codes, the QR code.

Pure: secrets, codes and times in, answers out. Storing what was accepted is the caller's job.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import b32encode
from datetime import datetime

import pyotp
import qrcode
from markupsafe import Markup

ISSUER = "Symptom diary team workspace"
STEP_SECONDS = 30
# One step either side: an authenticator whose clock is half a minute out still works.
DRIFT_STEPS = 1
RECOVERY_CODE_COUNT = 10


def new_secret() -> str:
    """A fresh base32 secret of 160 bits, the length RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, email: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def grouped(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def step_at(when: datetime) -> int:
    return int(when.timestamp()) // STEP_SECONDS


def clean_code(typed: str) -> str:
    """A typed code without the spaces and dashes people add."""
    return "".join(ch for ch in (typed or "") if ch not in " -\t")


def matching_step(secret: str, typed: str, now: datetime, after: int | None) -> int | None:
    """The time step `typed` is the code for, near `now` and later than `after`; else None.

    Refusing steps at or before `after` (the last one accepted) means a code seen over
    someone's shoulder, or replayed from a captured request, cannot be used again.
    """
    code = clean_code(typed)
    # ASCII only: "²²²²²²" passes isdigit(), and compare_digest refuses non-ASCII strings.
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = step_at(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator shows at `when` (for the tests and the demo notes)."""
    return pyotp.TOTP(secret).generate_otp(step_at(when))


# ---- recovery codes ---------------------------------------------------------------------


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    """Codes of 80 random bits, in base32, shown as four groups of four: ABCD-EFGH-JKLM-NPQR."""
    codes = []
    for _ in range(count):
        raw = b32encode(secrets.token_bytes(10)).decode()
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


def looks_like_recovery_code(typed: str) -> bool:
    code = clean_code(typed).upper()
    return len(code) == 16 and all(ch in "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567" for ch in code)


def hash_recovery_code(typed: str) -> str:
    """The stored form of a recovery code: case, spaces and dashes do not matter."""
    return hashlib.sha256(clean_code(typed).upper().encode()).hexdigest()


# ---- the QR code, drawn as inline SVG -----------------------------------------------------


def qr_svg(text: str, title: str, pixels: int = 232) -> Markup:
    """`text` as an inline SVG QR code (no image request, no external service), `pixels` wide.

    Dark modules on a white square with the standard quiet zone.

    Drawn from qrcode's module matrix rather than its SVG writer, so the element carries the
    role and title a screen reader needs and no XML declaration.
    """
    code = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    size = len(matrix)
    path = "".join(
        f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark
    )
    # Markup.format escapes what it is given: the title is the only text from outside.
    return _QR_SVG.format(size=size, px=pixels, title=title, path=path)


_QR_SVG = Markup(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="{px}" '
    'height="{px}" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges">'
    '<title id="qr-title">{title}</title>'
    '<rect width="{size}" height="{size}" fill="#ffffff"></rect>'
    '<path d="{path}" fill="#000000"></path></svg>'
)
