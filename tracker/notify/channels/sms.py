"""Texts through Twilio's Messages API, with the twilio library.

Three things the library does not do by itself, done here:

- A hard timeout on every request (it has none by default): `TwilioHttpClient(timeout=…)`.
- Silence: the library's HTTP client logs every request's query string at INFO, and a look-up
  of messages to a number puts the number in it. Our client logs nothing.
- Another address for the API (TWILIO_API_BASE_URL, for a stand-in or a proxy): the library
  builds every URL from its domain's `base_url` (`twilio.base.domain.Domain.absolute_url`),
  so setting `client.api.base_url` is enough. Edge and region are cleared at the same time,
  because `ClientBase.get_hostname` would otherwise rewrite the host to `api.<edge>.<region>`.

A Client (and its requests Session) is kept per thread: the dispatcher sends from a pool of
worker threads, and requests does not promise that one Session is safe across threads.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

import requests
from twilio.base.exceptions import TwilioException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from tracker.config import NotifySettings
from tracker.logs import RedactRequestLines
from tracker.notify.channels import Outgoing, Receipt, SendError
from tracker.notify.models import TWILIO

# Twilio error codes that no retry will change (https://www.twilio.com/docs/api/errors).
INVALID_NUMBER = 21211  # the 'To' number is not a valid phone number
UNSUBSCRIBED = 21610  # the recipient replied STOP
NOT_A_MOBILE = 21614  # the 'To' number is not a mobile number
PERMANENT_CODES = frozenset(
    {
        INVALID_NUMBER,
        UNSUBSCRIBED,
        NOT_A_MOBILE,
        21212,  # invalid 'From' number
        21408,  # permission to send to this region is not enabled
        21606,  # the 'From' number is not a valid message-capable number
        21612,  # Twilio cannot route to this number
        30004,  # message blocked
        30005,  # unknown destination handset
        30006,  # landline or unreachable carrier
    }
)
# How far a provider's clock may be from ours when matching a message found in a look-up.
CLOCK_SKEW = timedelta(minutes=2)
LOOKUP_LIMIT = 20


def _quiet_urllib3() -> None:
    # urllib3 logs each request line at DEBUG, query string and all: a look-up's is To=<number>.
    pool_log = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, RedactRequestLines) for f in pool_log.filters):
        pool_log.addFilter(RedactRequestLines())


class QuietTwilioHttpClient(TwilioHttpClient):
    """The library's HTTP client, minus its request and response logging (see the docstring)."""

    def log_request(self, kwargs) -> None:
        return None

    def log_response(self, status_code, response) -> None:
        return None


def _status_of(exc: TwilioException) -> int | None:
    """The HTTP status of a Twilio error: TwilioRestException and TwilioServiceException carry
    it; the base TwilioException that a failed page of a list raises carries the response."""
    status = getattr(exc, "status", None)
    if status is None and len(exc.args) > 1:
        status = getattr(exc.args[1], "status_code", None)
    return status if isinstance(status, int) else None


def classify_rest_error(exc: TwilioException) -> SendError:
    """Twilio answered with an error (any of the library's exceptions): permanent, or worth
    trying again?"""
    code, status = getattr(exc, "code", None), _status_of(exc)
    if code in PERMANENT_CODES:
        return SendError(f"twilio_{code}", permanent=True)
    if status is None:
        # No answer we can read (the library's own complaint, such as a page it could not
        # load): nothing says it will never work.
        return SendError("twilio_error", permanent=False)
    if status == 429 or status >= 500:
        return SendError(f"http_{status}", permanent=False)
    if status in (401, 403):
        # Our credentials, not the patient's number: retried, so that fixing the configuration
        # within the retry window still gets the message out.
        return SendError(f"twilio_auth_{status}", permanent=False)
    return SendError(f"twilio_{code}" if code else f"http_{status}", permanent=True)


def classify_network_error(exc: requests.RequestException) -> SendError:
    """No answer: did the request reach Twilio? If it may have, the send is ambiguous."""
    if isinstance(exc, requests.ConnectTimeout):
        return SendError("connect_timeout", permanent=False)
    if isinstance(exc, requests.ReadTimeout):
        # Sent, and no answer in time: Twilio may well have the message. Creating messages is
        # not idempotent, so resending now could text the patient twice.
        return SendError("timeout_after_send", permanent=False, ambiguous=True)
    if isinstance(exc, requests.ConnectionError):
        reason = getattr(exc.args[0], "reason", None) if exc.args else None
        if isinstance(reason, NewConnectionError | ConnectTimeoutError):
            return SendError("connect_failed", permanent=False)
        return SendError("connection_lost", permanent=False, ambiguous=True)
    return SendError("request_failed", permanent=False, ambiguous=True)


class TwilioSms:
    """The SMS channel on Twilio."""

    transport = TWILIO

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._local = threading.local()
        _quiet_urllib3()

    def client(self) -> Client:
        """This thread's Client, with a timeout and (if set) the stand-in's address."""
        client = getattr(self._local, "client", None)
        if client is None:
            http = QuietTwilioHttpClient(timeout=self.settings.send_timeout)
            client = Client(
                self.settings.twilio_account_sid,
                self.settings.twilio_auth_token,
                http_client=http,
            )
            if self.settings.twilio_api_base_url:
                client.edge = None
                client.region = None
                client.api.base_url = self.settings.twilio_api_base_url.rstrip("/")
            self._local.client = client
        return client

    def send(self, message: Outgoing) -> Receipt:
        """Create the message at Twilio; raise SendError (never with the number in it)."""
        kwargs: dict = {"to": message.to, "body": message.text}
        if self.settings.twilio_messaging_service_sid:
            kwargs["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        else:
            kwargs["from_"] = self.settings.twilio_from
        if message.status_callback:
            kwargs["status_callback"] = message.status_callback
        try:
            created = self.client().messages.create(**kwargs)
        except TwilioException as exc:
            raise classify_rest_error(exc) from None  # its message can quote the number
        except requests.RequestException as exc:
            raise classify_network_error(exc) from None
        return Receipt(TWILIO, created.sid, created.status)

    def lookup(self, message: Outgoing, since: datetime) -> Receipt | None:
        """Twilio's record of this text if it was created after `since` (a reconciliation)."""
        try:
            recent = self.client().messages.list(to=message.to, limit=LOOKUP_LIMIT)
        except TwilioException as exc:
            # A non-200 page of the list raises the library's base TwilioException (not
            # TwilioRestException): every one of its errors is a SendError here.
            raise classify_rest_error(exc) from None
        except requests.RequestException as exc:
            # A failed look-up changes nothing: it can simply be asked again.
            raise SendError(classify_network_error(exc).code, permanent=False) from None
        earliest = since - CLOCK_SKEW
        for found in recent:
            created = found.date_created
            if found.body == message.text and (created is None or created >= earliest):
                return Receipt(TWILIO, found.sid, found.status)
        return None
