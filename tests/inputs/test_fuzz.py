"""Fuzzing every form and every route: no input a browser or a webhook can send gives a 5xx or
saves half of anything.

The routes come from the app's url_map, so a route added later is fuzzed without anyone adding
it here. Each route is tried as the person who can reach it: a patient for the diary and
settings, a member of staff (team administrator and service administrator) for /team/, nobody
for public pages, and Twilio (signed requests) for the webhooks. The fields a POST route takes
are read from the app's own pages: every page the app can show is fetched and its forms parsed,
and each form is matched to its route through the url_map.

For each route Hypothesis generates requests: ids in the path that are real, too big, or in
other scripts' digits; strings in the path; query strings; and for a POST the page's fields,
each kept, changed, left out or sent twice, with values such as control characters, superscript
digits, numbers of thousands of digits and very long text. A request fails the test if it
answers 5xx (or raises), or if it is refused (4xx, which includes a form shown again with its
errors) and yet changed any row of any table. The one table a refusal may write is the sign-in
throttle's: a failed attempt is counted on purpose.

Each route starts from the same fresh data. `-s` prints the figures (routes, requests, time);
they also appear in the terminal summary.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO
from urllib.parse import quote, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from tests.conftest import PASSWORD, _empty_all_tables, make_patient, reconfigure
from tests.inputs.conftest import (
    FIGURES,
    database,
    make_staff,
    sign_in_patient,
    signed_post,
    staff_sign_in_as,
)
from tests.support.helpers import make_service, raw_service
from tests.team.conftest import add_side, open_alert
from tracker import clock as tracker_clock
from tracker.auth.invitations import create_invitation
from tracker.clock import SYSTEM
from tracker.db import ID_MAX
from tracker.diary.models import DiaryEntry
from tracker.models import Base
from tracker.notify.models import REMINDER, SMS, UNKNOWN, OutboxMessage
from tracker.rules import load_rules
from tracker.support.information import TOPICS
from tracker.support.validation import FIELDS
from tracker.team.models import TEAM_ADMIN, Team

# Examples per route and method: enough to meet each kind of bad value a few times, few enough
# for the whole walk to take under a minute per database. Forms and webhooks get the most.
EXAMPLES = {"form": 12, "webhook": 24, "post": 5, "get": 3}

# A refused request may write here and nowhere else: the throttle counts failed attempts.
WRITTEN_ON_REFUSAL = {"sign_in_failures"}

LINKED_FILE = re.compile(r'(?:href|src)="(/(?:assets|static)/[^"?]+)')
TWILIO_TOKEN = "fuzz-auth-token"
TWILIO_FROM = "+447700900999"

# ---- values ----------------------------------------------------------------------------------

ODD = [
    "",
    " ",
    "0",
    "-1",
    "1.5",
    "1e3",
    "²",
    "⁵",
    "١٢",
    "٣",
    "9" * 20,
    "9" * 5000,
    str(ID_MAX),
    str(ID_MAX + 1),
    str(2**63),
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\t",
    "\r\n",
    "\ufeff",
    "\u202e",
    "\ufffd",
    "😀",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%00",
    "../../etc/passwd",
    "Europe",
    "x" * 300,
    "x" * 2001,
    "x" * 60000,
]
# Lone surrogates are left out: no browser can send one (it sends U+FFFD), nor can the client.
CHARACTERS = st.characters(exclude_categories=("Cs",))
NASTY = st.one_of(
    st.sampled_from(ODD),
    st.text(CHARACTERS, max_size=30),
    st.text(st.characters(categories=("Nd", "No")), min_size=1, max_size=8),  # any digits
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
)


def odd_inside(good: str) -> st.SearchStrategy[str]:
    """The good value with something odd put inside it (where trimming cannot remove it)."""
    return st.tuples(st.sampled_from(ODD[:26]), st.integers(0, len(good))).map(
        lambda pair: good[: pair[1]] + pair[0] + good[pair[1] :]
    )


def near(good: str) -> st.SearchStrategy[str]:
    """A field's good value, something else, or the good value with something odd inside."""
    return st.one_of(st.just(good), NASTY, odd_inside(good))


# What a person would type in a field the page leaves empty, by the field's name: so that a form
# filled in "well but for one field" is really well filled in, and reaches the database.
NEW_PASSWORD = "a new and long enough passphrase"
TYPICAL = [
    (r"^current-password$", PASSWORD),  # the signed-in patient's
    (r"password$", NEW_PASSWORD),  # a new one, typed twice
    (r"email$", "robin.fuzz@example.test"),
    (r"^mobile$", "07700 900 222"),
    (r"^name$", "Robin Fuzz"),
    (r"^hospital$", "Fuzz Hospital"),
    (r"^phone$", "0113 496 0002"),
    (r"^website$", "https://fuzz.example.org/"),
    (r"^(hours|opening_hours)$", "Monday to Friday, 9am to 5pm"),
    (r"^(out_of_hours|description)$", "Call NHS 111.\r\nIn an emergency, call 999."),
    (r"^note", "Worse at night,\r\nbetter by day"),
    (r"^areas$", "LS6"),
    (r"^tags$", "carers; family"),
    (r"^source$", "Phoned them"),
    (r"^postcode$", "LS6 1AA"),
    (r"^q$", "carers"),
]


def typical(name: str) -> str:
    return next((value for pattern, value in TYPICAL if re.search(pattern, name)), "")


# ---- reading the app's forms -----------------------------------------------------------------


@dataclass
class FormField:
    name: str
    value: str
    kind: str  # text, choice, file, hidden
    options: list[str] = field(default_factory=list)


class _Forms(HTMLParser):
    """The POST forms of a page: action, and each field with a value a person could send."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[tuple[str, dict[str, FormField]]] = []
        self._form: dict[str, FormField] | None = None
        self._textarea: FormField | None = None
        self._select: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = {}
            self.forms.append((a.get("action", ""), self._form))
        if tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            # The one chosen, else the first real choice (not "Choose a team").
            if "selected" in a or not self._select.value:
                self._select.value = value
            return
        if self._form is None or not a.get("name"):
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio"):
                found = self._form.setdefault(name, FormField(name, "", "choice"))
                found.options.append(a.get("value", "on"))
                if "checked" in a or not found.value:
                    found.value = a.get("value", "on")
            else:
                kind = {"file": "file", "hidden": "hidden"}.get(kind, "text")
                self._form.setdefault(name, FormField(name, a.get("value", ""), kind))
        elif tag == "textarea":
            self._textarea = self._form.setdefault(name, FormField(name, "", "text"))
        elif tag == "select":
            self._select = self._form.setdefault(name, FormField(name, "", "choice"))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None


def post_forms(html: str) -> list[tuple[str, dict[str, FormField]]]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


# ---- the stage: data, people, and what the routes take ---------------------------------------


@dataclass(frozen=True)
class Target:
    rule: str
    method: str
    endpoint: str
    who: str  # patient, staff, anonymous, twilio
    numbers: tuple[str, ...]  # <int:…> arguments
    words: tuple[str, ...]  # other arguments


def targets(app) -> list[Target]:
    found = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        numbers = tuple(re.findall(r"<int:(\w+)>", rule.rule))
        words = tuple(a for a in sorted(rule.arguments) if a not in numbers)
        if rule.rule.startswith("/twilio/"):
            who = "twilio"
        elif getattr(view, "is_public", False):
            who = "anonymous"
        elif rule.rule.startswith("/team/"):
            who = "staff"
        else:
            who = "patient"
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(Target(rule.rule, method, rule.endpoint, who, numbers, words))
    return sorted(found, key=lambda t: (t.rule, t.method))


class Stage:
    """A fresh copy of the same data for each route, and a signed-in client per request."""

    def __init__(self, app) -> None:
        self.app = app
        self.ids: dict[str, list[str]] = {}
        self.words: dict[str, list[str]] = {}
        self.fields: dict[str, dict[str, FormField]] = {}
        self.build()
        self.read_forms()

    def build(self) -> None:
        _empty_all_tables(self.app)
        with database(self.app) as s:
            ours = add_side(s, "Breast Care", "a")
            theirs = add_side(s, "Oncology", "b")
            boss = make_staff(s, "boss@example.test", ours.team, TEAM_ADMIN, service_admin=True)
            newcomer = make_staff(s, "new@example.test", ours.team, secret=None, name="New Nurse")
            service = make_service(s, today=SYSTEM.today("Europe/London"))
            team = s.get(Team, ours.team)
            _, open_token = create_invitation(s, team)
            waiting = make_patient(s, team, email="waiting@example.test", password_hash=None)
            invitation, enrolled_token = create_invitation(s, team)
            invitation.patient_id = waiting.id
            s.commit()
            second_alert = open_alert(s, ours.patient, "fatigue", "soon", ("new",))
            # A text whose send's answer was lost: a status callback finds it by ?m= alone.
            s.add(
                OutboxMessage(
                    idempotency_key="fuzz:sms",
                    group_key="fuzz",
                    kind=REMINDER,
                    channel=SMS,
                    to_address="+447700900001",
                    body_text="Please update your diary",
                    body_hash="0" * 64,
                    status=UNKNOWN,
                    patient_id=ours.patient,
                )
            )
            s.commit()
            # The patient's own entries first: the first of each kind of id is one they may see.
            entry_ids = [
                str(i)
                for i in s.scalars(
                    select(DiaryEntry.id).order_by(
                        DiaryEntry.patient_id != ours.patient, DiaryEntry.id
                    )
                )
            ]
            message_ids = [str(i) for i in s.scalars(text("SELECT id FROM outbox_messages"))]
        self.patient, self.boss = ours.patient, boss.id
        self.newcomer, self.clinician = newcomer.id, ours.clinician
        self.clients: dict[tuple[str, str], tuple] = {}
        self.ids = {
            "entry_id": entry_ids,
            "alert_id": [str(ours.alert), str(second_alert), str(theirs.alert)],
            "spell_id": [str(ours.quiet), str(theirs.quiet)],
            "request_id": [str(ours.request), str(theirs.request)],
            "patient_id": [str(ours.patient), str(waiting.id), str(theirs.patient)],
            "team_id": [str(ours.team), str(theirs.team)],
            "staff_id": [str(ours.clinician), str(ours.admin), str(theirs.clinician)],
            "service_id": [str(service.id)],
            "m": message_ids or ["1"],
        }
        self.words = {
            "code": [*sorted(load_rules().symptoms)[:6], "cough", "bone_pain"],
            "slug": [t.slug for t in TOPICS],
            "token": [open_token, enrolled_token],
            "filename": self.asset_names(),
        }
        self.baseline = fingerprint(self.app)
        with self.app.extensions["engine"].connect() as conn:
            self.empty = {
                t.name
                for t in Base.metadata.sorted_tables
                if conn.execute(select(func.count()).select_from(t)).scalar() == 0
            }

    def asset_names(self) -> list[str]:
        """Files the pages link to under /assets/ and /static/, as the routes name them."""
        page = self.app.test_client().get("/").get_data(as_text=True)
        return sorted({m.split("/", 2)[2] for m in LINKED_FILE.findall(page)}) or ["x"]

    def refresh(self) -> None:
        """Back to the fresh data, if the last route changed it.

        Most routes only add rows to tables that were empty (an audit row, a failed sign-in),
        and emptying those again is quick; anything else builds everything again.
        """
        self.clients.clear()
        now = fingerprint(self.app)
        changed = {t for t in now if now[t] != self.baseline[t]}
        if not changed:
            return
        if not changed <= self.empty:
            self.build()
            return
        with self.app.extensions["engine"].begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                if table.name in changed:
                    conn.execute(table.delete())

    def client(self, who: str, endpoint: str = ""):
        """A client signed in as `who`, with its CSRF token (None for Twilio).

        Kept from one request to the next while they are refused (a refusal changes nothing);
        after one that was not, a new one: that request may have signed it out.
        """
        if (who, endpoint) not in self.clients:
            self.clients[(who, endpoint)] = self._new_client(who, endpoint)
        return self.clients[(who, endpoint)]

    def _new_client(self, who: str, endpoint: str):
        client = self.app.test_client()
        if who == "patient":
            sign_in_patient(client, self.app, self.patient)
            page = "/settings/password"
        elif who == "staff":
            staff_sign_in_as(client, self.boss)
            page = "/team/account"
        else:
            page = "/sign-in"
        if who == "twilio":
            return client, None
        if endpoint in ("team.sign_in_code", "team.set_up_authenticator"):
            pending = self.clinician if endpoint == "team.sign_in_code" else self.newcomer
            with client.session_transaction() as sess:
                now = int(tracker_clock.of(self.app).now().timestamp())
                sess["staff_pending"] = {"id": pending, "at": now, "next": "/team/"}
            page = "/team/sign-in/code"
            if endpoint == "team.set_up_authenticator":
                page = "/team/sign-in/set-up"  # its first visit keeps a new secret: not the POST's
        if endpoint == "diary.log_details":
            today = SYSTEM.today("Europe/London")
            with client.session_transaction() as sess:
                sess["log_choice"] = {
                    "day_parts": {
                        "day": str(today.day),
                        "month": str(today.month),
                        "year": str(today.year),
                    },
                    "chosen": ["cough", "fatigue"],
                }
        match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(page).get_data(True))
        return client, (match.group(1) if match else None)

    def path(self, target: Target, values: dict[str, str]) -> str:
        path = target.rule
        for name in target.numbers:
            path = path.replace(f"<int:{name}>", values[name])
        for name in target.words:
            path = re.sub(rf"<(?:\w+:)?{name}>", quote(values[name], safe="/"), path)
        return path

    def read_forms(self) -> None:
        """The fields of every POST form on every page the app shows to its people."""
        adapter = self.app.url_map.bind("localhost")
        for target in targets(self.app):
            if target.method != "GET" or target.who == "twilio":
                continue
            first = {n: (self.ids.get(n) or ["1"])[0] for n in target.numbers}
            first |= {n: (self.words.get(n) or ["x"])[0] for n in target.words}
            client, _ = self._new_client(target.who, target.endpoint)
            page = self.path(target, first)
            response = client.get(page)
            if response.status_code != 200 or "html" not in response.content_type:
                continue
            for action, fields in post_forms(response.get_data(as_text=True)):
                try:
                    endpoint, _ = adapter.match(urlsplit(action or page).path, method="POST")
                except HTTPException:
                    continue
                known = self.fields.setdefault(endpoint, {})
                for name, found in fields.items():
                    if name == "csrf_token":
                        continue
                    if found.kind == "text" and not found.value:
                        found.value = typical(name)
                    known.setdefault(name, found)
        self.refresh()  # some pages write when first shown (an audit row, a new secret)


TWILIO_FIELDS = {
    "/twilio/status": {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": "SM" + "1" * 32,
        "SmsSid": "SM" + "1" * 32,
        "MessageStatus": "delivered",
        "ErrorCode": "30003",
        "To": "+447700900001",
    },
    "/twilio/inbound": {
        "AccountSid": "AC" + "0" * 32,
        "MessageSid": "SM" + "2" * 32,
        "From": "+447700900001",
        "To": TWILIO_FROM,
        "Body": "STOP",
    },
}


# ---- the database before and after -----------------------------------------------------------


def fingerprint(app) -> dict[str, str]:
    """A digest of every table's rows: equal fingerprints, nothing written."""
    engine = app.extensions["engine"]
    tables = Base.metadata.sorted_tables
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # One round trip for every table: each row as text, sorted, hashed. (The names are
            # the models' own tables.)
            parts = ", ".join(
                f"(SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') "  # noqa: S608
                f'FROM "{t.name}" t) AS "{t.name}"'
                for t in tables
            )
            return dict(conn.execute(text(f"SELECT {parts}")).mappings().one())
        digests = {}
        for table in tables:
            rows = sorted(repr(tuple(r)) for r in conn.execute(select(table)))
            digests[table.name] = hashlib.sha256("|".join(rows).encode()).hexdigest()
        return digests


# ---- the walk ----------------------------------------------------------------------------------


def requests_for(stage: Stage, target: Target) -> st.SearchStrategy[dict]:
    """What one request to `target` sends: path values, query string and form."""
    # Real ids and names half the time: the forms behind them are what is being fuzzed.
    numbers = {
        name: st.one_of(
            st.sampled_from(stage.ids.get(name) or ["1", "2"]),
            st.sampled_from(stage.ids.get(name) or ["1", "2"]),
            st.sampled_from(["0", str(ID_MAX), str(ID_MAX + 1), str(2**63), "9" * 30, "١", "²"]),
            st.integers(min_value=0, max_value=2**70).map(str),
        )
        for name in target.numbers
    }
    words = {
        name: st.one_of(st.sampled_from(stage.words.get(name) or ["x"]), NASTY.filter(bool))
        for name in target.words
    }
    query = st.dictionaries(
        st.sampled_from(["next", "q", "area", "kind", "change", "m", "page"]), NASTY, max_size=3
    )
    if target.who == "twilio":
        query = st.one_of(st.just({}), st.fixed_dictionaries({"m": near(stage.ids["m"][0])}))
    fields = fields_of(stage, target)
    form = form_values(fields) if target.method == "POST" else st.just([])
    return st.fixed_dictionaries(
        {
            "numbers": st.fixed_dictionaries(numbers),
            "words": st.fixed_dictionaries(words),
            "query": query,
            "form": form,
        }
    )


def fields_of(stage: Stage, target: Target) -> list[FormField]:
    if target.who == "twilio":
        return [FormField(n, v, "text") for n, v in TWILIO_FIELDS.get(target.rule, {}).items()]
    return list(stage.fields.get(target.endpoint, {}).values())


def explicit_requests(stage: Stage, target: Target) -> list[dict]:
    """Besides what Hypothesis draws, every field of a POST form once with NUL inside it (what
    PostgreSQL cannot store), and every number in it once as "²" and once as 20 nines, the rest
    of the form as the page (or a person) has it: the kinds of input issue 20 found, tried on
    every field of every form, new ones included."""
    fields = fields_of(stage, target)
    if target.method != "POST" or not fields:
        return []
    base = {
        "numbers": {n: stage.ids[n][0] for n in target.numbers if stage.ids.get(n)},
        "words": {n: (stage.words.get(n) or ["x"])[0] for n in target.words},
        "query": {"m": stage.ids["m"][0]} if target.rule == "/twilio/status" else {},
    }
    found = []
    for bad in fields:
        if bad.kind == "file":
            continue
        values = [bad.value[:3] + "\x00" + bad.value[3:]]
        if bad.value.isascii() and bad.value.isdigit():
            values += ["²", "9" * 20]
        for value in values:
            form = [(f.name, value if f is bad else f.value) for f in fields if f.kind != "file"]
            found.append(base | {"form": form})
    return found


def _flat(parts) -> list[tuple[str, object]]:
    return [pair for part in parts for pair in part]


def form_values(fields: list[FormField]) -> st.SearchStrategy[list[tuple[str, object]]]:
    """Every field as the page has it but one, or every field drawn on its own.

    The first finds what a person sends: a form filled in well but for one field, which is
    what reaches the database. The second finds what only a tool sends.
    """
    if not fields:
        return extra_fields()
    one_off = st.integers(0, len(fields) - 1).flatmap(
        lambda bad: st.tuples(
            *(bad_values(f) if i == bad else good_values(f) for i, f in enumerate(fields))
        ).map(_flat)
    )
    each = st.tuples(*(field_values(f) for f in fields), extra_fields()).map(_flat)
    return st.one_of(one_off, each)


def _good_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", *FIELDS])
    writer.writerow(["", *raw_service(name="Fuzz Example Group").values()])
    return out.getvalue().encode()


GOOD_CSV = _good_csv()


def good_values(found: FormField) -> st.SearchStrategy[list[tuple[str, object]]]:
    if found.kind == "file":  # a new file object each time: a read one is empty
        return st.builds(lambda: [(found.name, (BytesIO(GOOD_CSV), "services.csv"))])
    return st.just([(found.name, found.value)])


def bad_values(found: FormField) -> st.SearchStrategy[list[tuple[str, object]]]:
    """One field changed for certain: something odd in it, left out, or sent twice."""
    if found.kind == "file":
        return field_values(found)
    odd = st.one_of(NASTY, odd_inside(found.value))
    return st.one_of(
        odd.map(lambda v: [(found.name, v)]),
        st.just([]),
        odd.map(lambda v: [(found.name, found.value), (found.name, v)]),
    )


def field_values(found: FormField) -> st.SearchStrategy[list[tuple[str, object]]]:
    """One field: kept as the page has it, changed, left out, or sent twice."""
    if found.kind == "file":
        good = GOOD_CSV.decode()
        content = st.one_of(
            st.binary(max_size=200),
            near(good).map(lambda s: s.encode("utf-8", "surrogatepass")),
            st.sampled_from([b"", b"\xff\xfe\x00", b"\x00" * 50, b"a," * 5000]),
        )
        return st.one_of(
            content.map(lambda c: [(found.name, (BytesIO(c), "services.csv"))]), st.just([])
        )
    good = found.value
    value = (
        near(good)
        if found.kind != "choice"
        else st.one_of(st.sampled_from(found.options or [good]), near(good))
    )
    return st.one_of(
        value.map(lambda v: [(found.name, v)]),
        st.just([(found.name, good)]),
        st.just([]),
        st.tuples(value, value).map(lambda vs: [(found.name, vs[0]), (found.name, vs[1])]),
    )


def extra_fields() -> st.SearchStrategy[list[tuple[str, object]]]:
    return st.lists(st.tuples(st.text(CHARACTERS, min_size=1, max_size=12), NASTY), max_size=2)


def send(stage: Stage, target: Target, drawn: dict):
    client, token = stage.client(target.who, target.endpoint)
    path = stage.path(target, drawn["numbers"] | drawn["words"])
    query = urlencode(drawn["query"])
    url = path + (f"?{query}" if query else "")
    if target.who == "twilio":
        if target.method == "GET":
            return "GET " + url, lambda: client.get(url)
        form = [(k, v) for k, v in drawn["form"] if isinstance(v, str)]
        return f"POST {url} {form!r}", lambda: signed_post(client, path, form, query)
    if target.method == "GET":
        return "GET " + url, lambda: client.get(url)
    form = MultiDict(drawn["form"])
    if token:
        form.add("csrf_token", token)
    has_file = any(not isinstance(v, str) for _, v in drawn["form"])
    shown = [(k, v if isinstance(v, str) else "<file>") for k, v in drawn["form"]]
    return f"POST {url} {shown!r}"[:2000], lambda: client.post(
        url, data=form, content_type="multipart/form-data" if has_file else None
    )


def walk(stage: Stage, target: Target, counts: Counter) -> None:
    if target.method == "GET":
        examples = EXAMPLES["get"]
    elif target.who == "twilio":
        examples = EXAMPLES["webhook"]
    else:
        examples = EXAMPLES["form" if stage.fields.get(target.endpoint) else "post"]

    @settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,  # the data differ by route and run: a saved example would mislead
    )
    @given(requests_for(stage, target))
    def one_request(drawn):
        """One request: no 5xx, and nothing written if it is refused."""
        described, call = send(stage, target, drawn)
        before = fingerprint(stage.app)
        response = call()
        counts["requests"] += 1
        counts[f"status {response.status_code // 100}xx"] += 1
        counts[(target.method, target.rule, response.status_code)] += 1
        assert response.status_code < 500, f"{response.status_code} for {described}"
        if response.status_code < 400 and target.method == "POST":
            stage.clients.pop((target.who, target.endpoint), None)  # it may have signed out
        if 400 <= response.status_code < 500:
            after = fingerprint(stage.app)
            written = [t for t in before if before[t] != after[t] and t not in WRITTEN_ON_REFUSAL]
            assert written == [], (
                f"refused ({response.status_code}) but wrote {written}: {described}"
            )

    for drawn in explicit_requests(stage, target):
        one_request = example(drawn=drawn)(one_request)
    one_request()


@pytest.fixture
def twilio_on(app):
    reconfigure(app, notify={"twilio_auth_token": TWILIO_TOKEN, "twilio_from": TWILIO_FROM})


def test_no_input_to_any_route_gives_a_5xx_or_writes_anything_when_refused(
    app, clock, twilio_on, database_url
):
    clock.set(SYSTEM.now())  # held, so that sessions and throttles read one time throughout
    started = time.monotonic()
    stage = Stage(app)
    counts: Counter = Counter()
    walked = targets(app)
    failures = []
    for target in walked:
        stage.refresh()
        try:
            walk(stage, target, counts)
        except Exception as exc:  # every route is walked, and every failure reported at the end
            notes = "\n".join(getattr(exc, "__notes__", []))  # Hypothesis's failing example
            failures.append(f"{target.method} {target.rule}: {type(exc).__name__}: {exc}"[:1500])
            failures[-1] += "\n" + notes[:1500]
    seconds = time.monotonic() - started

    posts = {t.rule for t in walked if t.method == "POST"}
    with_ids = {t.rule for t in walked if t.numbers}
    with_fields = {e for e, f in stage.fields.items() if f}
    tried = {(m, r) for key in counts if isinstance(key, tuple) for m, r, _ in [key]}
    backend = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    FIGURES[backend] = {
        "routes": len({t.rule for t in walked}),
        "route and method pairs tried": len(tried),
        "POST routes": len(posts),
        "routes with ids": len(with_ids),
        "POST routes whose fields were read from a page": len(with_fields),
        "requests": counts["requests"],
        "seconds": round(seconds, 1),
        **{k: v for k, v in sorted(counts.items(), key=str) if str(k).startswith("status")},
        "routes that failed": len(failures),
    }
    print(f"\nfuzzing on {backend}: {FIGURES[backend]}")
    for key, n in sorted((k, v) for k, v in counts.items() if isinstance(k, tuple)):
        print(*key, n)
    assert not failures, "\n\n".join(failures)
    # Every route was tried with every method it takes, POST routes included (at least as many
    # as there are POST routes)...
    assert tried == {(t.method, t.rule) for t in walked}
    assert len({r for m, r in tried if m == "POST"}) == len(posts) >= 30
    # ... and the forms were found on the pages (a form the walk could not find would be
    # fuzzed with made-up fields only).
    assert len(with_fields) >= 20, sorted(with_fields)
