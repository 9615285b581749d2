"""A local stand-in for Twilio's REST API and its webhooks: the project's own test peer.

It answers the real twilio library (pointed at it with TWILIO_API_BASE_URL) like Twilio's
Messages resource: POST …/Messages.json creates a message (201), GET …/Messages.json?To=…
lists messages to a number, newest first. It can be told to fail: an HTTP status (500, 429),
an error code body (21211, 21610, …), a timeout after it has created the message (the answer is
lost, the message is not), or a slow accept before creating anything; and its message list can
be taken down (every look-up answered with an HTTP error) and brought back. And it sends signed
status callbacks and inbound texts to the app, signed with RequestValidator as Twilio does.
"""

from __future__ import annotations

import base64
import itertools
import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "standin-auth-token"  # a test secret, not Twilio's
FROM_NUMBER = "+447700900999"


@dataclass
class Behaviour:
    """What the stand-in does with one create request."""

    kind: str = "ok"  # ok, http, error, timeout, slow
    status: int = 201
    code: int | None = None
    seconds: float = 0.0


def fail(status: int) -> Behaviour:
    """Answer with this HTTP status (and Twilio's error body for it); create nothing."""
    return Behaviour("http", status=status, code=20000 + status)


def error(code: int, status: int = 400) -> Behaviour:
    """Answer with a Twilio error code, such as 21211 (invalid number); create nothing."""
    return Behaviour("error", status=status, code=code)


def timeout(seconds: float) -> Behaviour:
    """Create the message, then answer only after `seconds` (the client has given up)."""
    return Behaviour("timeout", seconds=seconds)


def slow(seconds: float) -> Behaviour:
    """Wait `seconds` before doing anything, then create nothing (the client has given up)."""
    return Behaviour("slow", seconds=seconds)


@dataclass
class Message:
    sid: str
    to: str
    sender: str
    body: str
    status_callback: str | None
    created: datetime
    status: str = "queued"


@dataclass
class StandIn:
    """The server's state; the handler reads and writes it under `lock`."""

    latency: float = 0.0
    base_url: str = ""
    # Twilio's clock: tests that fix the dispatcher's clock fix this one to match.
    clock: object = field(default=lambda: datetime.now(UTC))
    messages: list[Message] = field(default_factory=list)
    script: deque = field(default_factory=deque)  # for any number, in order
    by_number: dict[str, deque] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    # While set, every GET of the message list answers with this HTTP status (an outage).
    list_status: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    _sids = itertools.count(1)

    # ---- telling it what to do ----

    def then(self, *behaviours: Behaviour, to: str | None = None) -> None:
        """Queue behaviours for the next create requests (for one number, or any)."""
        with self.lock:
            target = self.by_number.setdefault(to, deque()) if to else self.script
            target.extend(behaviours)

    def list_down(self, status: int = 500) -> None:
        """Answer every look-up (GET …/Messages.json) with `status` until `list_up`."""
        with self.lock:
            self.list_status = status

    def list_up(self) -> None:
        with self.lock:
            self.list_status = None

    def _next(self, to: str) -> Behaviour:
        with self.lock:
            queue = self.by_number.get(to)
            if queue:
                return queue.popleft()
            if self.script:
                return self.script.popleft()
        return Behaviour()

    def create(self, to: str, sender: str, body: str, callback: str | None) -> Message:
        with self.lock:
            message = Message(
                sid=f"SM{next(self._sids):032x}",
                to=to,
                sender=sender,
                body=body,
                status_callback=callback,
                created=self.clock(),
            )
            self.messages.append(message)
        return message

    def sent_to(self, number: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m.to == number]

    # ---- talking to the app, as Twilio does ----

    def _post_signed(self, url: str, params: dict[str, str], token: str = AUTH_TOKEN) -> int:
        signature = RequestValidator(token).compute_signature(url, params)
        request = urllib.request.Request(
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as exc:
            return exc.code

    def send_status(self, message: Message, status: str, error_code: int | None = None) -> int:
        """A signed status callback for `message` to the URL it was created with."""
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": message.sid,
            "SmsSid": message.sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": message.to,
            "From": message.sender,
            "ApiVersion": "2010-04-01",
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        message.status = status
        return self._post_signed(message.status_callback, params)

    def send_text(self, app_url: str, sender: str, body: str, sid: str | None = None) -> int:
        """A signed inbound text from `sender` to our number."""
        params = {
            "AccountSid": ACCOUNT_SID,
            "MessageSid": sid or f"SM{next(self._sids):032x}",
            "From": sender,
            "To": FROM_NUMBER,
            "Body": body,
            "NumMedia": "0",
        }
        return self._post_signed(app_url.rstrip("/") + "/twilio/inbound", params)


def _json(message: Message) -> dict:
    when = format_datetime(message.created, usegmt=True)
    return {
        "sid": message.sid,
        "account_sid": ACCOUNT_SID,
        "to": message.to,
        "from": message.sender,
        "messaging_service_sid": None,
        "body": message.body,
        "status": message.status,
        "num_segments": "1",
        "num_media": "0",
        "direction": "outbound-api",
        "api_version": "2010-04-01",
        "price": None,
        "price_unit": "USD",
        "error_code": None,
        "error_message": None,
        "date_created": when,
        "date_updated": when,
        "date_sent": None,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message.sid}.json",
        "subresource_uris": {},
    }


def _handler(state: StandIn):
    expected_auth = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
    path = f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Twilio's API has

        def log_message(self, *args) -> None:  # the stand-in says nothing (numbers in URLs)
            return None

        def _answer(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting: that was the point

        def _authorised(self) -> bool:
            if self.headers.get("Authorization") == expected_auth:
                return True
            self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
            return False

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            state.requests.append(("POST", self.path))
            if self.path != path:
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if not self._authorised():
                return
            to = form.get("To", [""])[0]
            behaviour = state._next(to)
            if state.latency:
                time.sleep(state.latency)
            if behaviour.kind == "http":
                payload = {
                    "code": behaviour.code,
                    "message": "Try later",
                    "status": behaviour.status,
                }
                self._answer(behaviour.status, payload)
                return
            if behaviour.kind == "error":
                # Twilio's messages quote the number: the app must never log them.
                message = f"The 'To' number {to} is not valid."
                payload = {"code": behaviour.code, "message": message, "status": behaviour.status}
                self._answer(behaviour.status, payload)
                return
            if behaviour.kind == "slow":
                time.sleep(behaviour.seconds)
                self._answer(503, {"code": 20503, "message": "Too slow", "status": 503})
                return
            sender = form.get("From", form.get("MessagingServiceSid", [""]))[0]
            created = state.create(
                to, sender, form.get("Body", [""])[0], form.get("StatusCallback", [None])[0]
            )
            if behaviour.kind == "timeout":
                time.sleep(behaviour.seconds)  # created, but the answer comes too late
            self._answer(201, _json(created))

        def do_GET(self) -> None:
            parsed = urllib.parse.urlsplit(self.path)
            state.requests.append(("GET", parsed.path))
            if parsed.path != path:
                self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                return
            if not self._authorised():
                return
            with state.lock:
                down = state.list_status
            if down is not None:
                self._answer(down, {"code": 20000 + down, "message": "Try later", "status": down})
                return
            query = urllib.parse.parse_qs(parsed.query)
            to = query.get("To", [None])[0]
            size = int(query.get("PageSize", ["50"])[0])
            with state.lock:
                found = [m for m in state.messages if to is None or m.to == to]
            found = sorted(found, key=lambda m: m.created, reverse=True)[:size]
            self._answer(
                200,
                {
                    "messages": [_json(m) for m in found],
                    "end": len(found) - 1,
                    "first_page_uri": self.path,
                    "next_page_uri": None,
                    "previous_page_uri": None,
                    "page": 0,
                    "page_size": size,
                    "start": 0,
                    "uri": self.path,
                },
            )

    return Handler


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # a dispatcher's workers all connect at once
    daemon_threads = True


class Server:
    """The stand-in, serving on 127.0.0.1 in a thread of its own."""

    def __init__(self, latency: float = 0.0) -> None:
        self.state = StandIn(latency=latency)
        self.httpd = _Server(("127.0.0.1", 0), _handler(self.state))
        self.state.base_url = f"http://127.0.0.1:{self.httpd.server_port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> Server:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)
