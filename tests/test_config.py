"""One set of settings: read once from the environment, typed, checked, and held by the app."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from dataclasses import FrozenInstanceError
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tracker import config, create_app
from tracker.config import DEFAULT_TIMEZONE, ConfigError, for_tests, from_environment

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_MODULE = ROOT / "tracker" / "config.py"


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    """An environment with nothing set but where local files go."""
    return {"TRACKER_INSTANCE_PATH": str(tmp_path / "instance")}


def test_with_nothing_set_the_defaults_describe_a_local_service(env, tmp_path):
    settings = from_environment(env)
    assert settings.env == "development" and not settings.production
    assert settings.database.url == f"sqlite:///{tmp_path / 'instance' / 'tracker.db'}"
    assert settings.web.public_url == "http://127.0.0.1:5000"
    assert settings.web.open_signup is False and settings.web.proxy_count == 0
    assert settings.timezone == ZoneInfo(DEFAULT_TIMEZONE) == settings.jobs.timezone
    assert settings.notify.smtp_port == 587 and settings.notify.smtp_starttls is True
    assert settings.notify.send_timeout == 10.0 and settings.notify.max_attempts == 5
    assert settings.web.staff_idle == timedelta(minutes=30)
    assert not settings.notify.twilio_configured and not settings.notify.smtp_configured
    # A local secret key is made once and kept, so sessions survive a restart.
    assert len(settings.secret_key) == 64
    assert from_environment(env).secret_key == settings.secret_key


def test_in_development_the_links_follow_the_port(env):
    assert from_environment({**env, "PORT": "5101"}).web.public_url == "http://127.0.0.1:5101"
    public = {**env, "PORT": "5101", "TRACKER_PUBLIC_URL": "https://diary.example.org/"}
    assert from_environment(public).web.public_url == "https://diary.example.org"


# Who runs the service: production refuses the statement and the notice without it.
OWNER = {
    "TRACKER_ORG_NAME": "Northshire Hospitals NHS Foundation Trust",
    "TRACKER_ORG_ADDRESS": "1 Hospital Road, Northtown, NT1 1AA",
    "TRACKER_ORG_EMAIL": "diary@northshire.example",
    "TRACKER_DPO_EMAIL": "dpo@northshire.example",
    "TRACKER_ACCESSIBILITY_EMAIL": "access@northshire.example",
    "TRACKER_ACCESSIBILITY_PREPARED": "2026-11-02",
    "TRACKER_ACCESSIBILITY_REVIEWED": "2026-11-30",
    "TRACKER_ACCESSIBILITY_TESTED": "2026-11-27",
    "TRACKER_PRIVACY_UPDATED": "2026-11-03",
}


def test_production_needs_a_secret_key_and_turns_on_secure_cookies(env):
    with pytest.raises(ConfigError, match="SECRET_KEY must be set"):
        from_environment({**env, "TRACKER_ENV": "production"})
    settings = from_environment(
        {**env, **OWNER, "TRACKER_ENV": "production", "SECRET_KEY": "k" * 64}
    )
    assert settings.production and settings.web.secure_cookies and settings.web.hsts


def test_messaging_settings_come_from_the_environment(env):
    settings = from_environment(
        {
            **env,
            "TWILIO_ACCOUNT_SID": "AC1",
            "TWILIO_AUTH_TOKEN": "token",
            "TWILIO_FROM": "+447700900999",
            "TWILIO_API_BASE_URL": "http://127.0.0.1:9999",
            "SMTP_HOST": "mail.example.test",
            "SMTP_PORT": "2525",
            "SMTP_STARTTLS": "0",
            "MAIL_FROM": "diary@example.test",
        }
    )
    notify = settings.notify
    assert notify.twilio_configured and notify.smtp_configured
    assert notify.twilio_api_base_url == "http://127.0.0.1:9999"
    assert (notify.smtp_port, notify.smtp_starttls) == (2525, False)


@pytest.mark.parametrize(
    "broken, words",
    [
        ({"TWILIO_ACCOUNT_SID": "AC1"}, "TWILIO_AUTH_TOKEN"),
        ({"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"}, "TWILIO_FROM"),
        ({"SMTP_HOST": "mail.example.test"}, "MAIL_FROM"),
        ({"SMTP_USERNAME": "u"}, "SMTP_PASSWORD"),
        ({"TRACKER_PUBLIC_URL": "https://breast-clinic.example.org"}, "TRACKER_PUBLIC_URL"),
        ({"TRACKER_PROXY_COUNT": "one"}, "TRACKER_PROXY_COUNT must be a whole number"),
        ({"TRACKER_PROXY_COUNT": "-1"}, "TRACKER_PROXY_COUNT must be 0 or more"),
        ({"SMTP_PORT": "smtp"}, "SMTP_PORT must be a whole number"),
        ({"NOTIFY_WORKERS": "0"}, "NOTIFY_WORKERS must be 1 or more"),
        ({"NOTIFY_SMS_SEGMENTS_PER_SECOND": "0"}, "NOTIFY_SMS_SEGMENTS_PER_SECOND must be more"),
        ({"NOTIFY_SMS_NUMBERS": "0"}, "NOTIFY_SMS_NUMBERS must be 1 or more"),
        ({"NOTIFY_EMAIL_PER_SECOND": "fast"}, "NOTIFY_EMAIL_PER_SECOND must be a number"),
        ({"NOTIFY_RATE_PER_SECOND": "20"}, "NOTIFY_RATE_PER_SECOND is no longer read"),
        ({"NOTIFY_SEND_TIMEOUT": "soon"}, "NOTIFY_SEND_TIMEOUT must be a number"),
        ({"TRACKER_OPEN_SIGNUP": "maybe"}, "TRACKER_OPEN_SIGNUP must be 1 or 0"),
        ({"PORT": "http"}, "PORT must be a whole number"),
        ({"TRACKER_DETECT_AT": "6 am"}, "TRACKER_DETECT_AT"),
        ({"TRACKER_DETECT_AT": "01:30"}, "skipped or repeated"),
        ({"TRACKER_TIMEZONE": "Europe"}, "TRACKER_TIMEZONE"),
        ({"NHS_LOGIN_ISSUER": "https://auth.example.test"}, "NHS_LOGIN_CLIENT_ID must be set"),
        (
            {"NHS_LOGIN_ISSUER": "https://auth.example.test", "NHS_LOGIN_CLIENT_ID": "x"},
            "NHS_LOGIN_PRIVATE_KEY_FILE: cannot read",
        ),
    ],
)
def test_a_bad_setting_is_refused_naming_the_variable(env, broken, words):
    with pytest.raises(ConfigError, match=words):
        from_environment({**env, **broken})


@pytest.mark.whole_app
def test_a_bad_setting_stops_start_up_with_one_line(tmp_path):
    environ = {**os.environ, "TRACKER_INSTANCE_PATH": str(tmp_path), "NOTIFY_WORKERS": "many"}
    environ.pop("FLASK_APP", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "routes"],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr == "tracker: NOTIFY_WORKERS must be a whole number, not 'many'.\n"


def test_the_settings_are_frozen_and_the_app_holds_the_ones_it_was_built_with(tmp_path):
    settings = for_tests("sqlite://", str(tmp_path), web={"open_signup": False})
    app = create_app(settings)
    assert config.of(app) is settings
    assert app.config["SECRET_KEY"] == settings.secret_key
    assert app.config["PERMANENT_SESSION_LIFETIME"] == settings.web.session_lifetime
    with pytest.raises(FrozenInstanceError):
        settings.web.open_signup = True  # type: ignore[misc]


def test_changed_makes_a_copy_with_values_changed_by_area(tmp_path):
    settings = for_tests("sqlite://", str(tmp_path))
    changed = config.changed(settings, env="production", notify={"send_timeout": 0.5})
    assert (changed.env, changed.notify.send_timeout) == ("production", 0.5)
    assert changed.notify.workers == settings.notify.workers
    assert (settings.env, settings.notify.send_timeout) == ("test", 5.0)


def _python_files() -> list[Path]:
    return sorted([*ROOT.joinpath("tracker").rglob("*.py"), *ROOT.joinpath("jobs").rglob("*.py")])


def environment_reads(source: str) -> list[int]:
    """The lines of `source` that read the process environment."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv", "environb"}:
            lines.append(node.lineno)
        if (
            isinstance(node, ast.ImportFrom)
            and node.module == "os"
            and any(alias.name in {"environ", "getenv"} for alias in node.names)
        ):
            lines.append(node.lineno)
    return lines


def test_the_environment_reader_finds_each_way_in():
    source = "import os\nfrom os import getenv\na = os.environ['X']\nb = os.getenv('Y')\n"
    assert sorted(environment_reads(source)) == [2, 3, 4]


def test_nothing_outside_the_settings_module_reads_the_environment():
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in _python_files()
        if path != SETTINGS_MODULE
        for line in environment_reads(path.read_text("utf-8"))
    ]
    assert offenders == []
    assert environment_reads(SETTINGS_MODULE.read_text("utf-8"))


def test_the_default_time_zone_is_written_once():
    # The clinical rules file carries its own, as the engine imports nothing of the app.
    places = [
        str(path.relative_to(ROOT))
        for path in _python_files()
        if DEFAULT_TIMEZONE in path.read_text("utf-8") and "rules" not in path.parts
    ]
    assert places == ["tracker/config.py"]


def test_nhs_login_reads_its_key_from_a_file_and_checks_its_levels(env, tmp_path):
    key = tmp_path / "nhs_login_key.pem"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot checked here\n-----END PRIVATE KEY-----\n")
    nhs = {
        "NHS_LOGIN_ISSUER": "https://auth.example.test/",
        "NHS_LOGIN_CLIENT_ID": "tracker",
        "NHS_LOGIN_PRIVATE_KEY_FILE": str(key),
    }
    settings = from_environment({**env, **nhs}).nhs_login
    assert settings.enabled and settings.issuer == "https://auth.example.test"
    assert settings.levels == {"P9.Cp.Cd", "P9.Cp.Ck", "P9.Cm"}
    assert "not checked here" not in repr(settings)  # the key never reaches a log line
    with pytest.raises(ConfigError, match="NHS_LOGIN_VTR must be a JSON list"):
        from_environment({**env, **nhs, "NHS_LOGIN_VTR": "P9"})
    assert not from_environment(env).nhs_login.enabled


def test_the_statement_and_notice_say_who_runs_the_service(env):
    """Issue 19, item 11: the deployer's details come from settings; development shows
    placeholders that say so, and production refuses to start without each of them."""
    settings = from_environment({**env, **OWNER, "TRACKER_ACCESSIBILITY_PHONE": "0300 123 4567"})
    owner = settings.owner
    assert owner.organisation == "Northshire Hospitals NHS Foundation Trust"
    assert (owner.dpo_email, owner.accessibility_phone) == (
        "dpo@northshire.example",
        "0300 123 4567",
    )
    assert owner.statement_prepared.isoformat() == "2026-11-02"
    assert owner.records_kept_years == 8
    assert "(not set)" in from_environment(env).owner.organisation
    production = {**env, **OWNER, "TRACKER_ENV": "production", "SECRET_KEY": "k" * 64}
    for name in OWNER:
        without = {k: v for k, v in production.items() if k != name}
        with pytest.raises(ConfigError, match=f"{name} must be set"):
            from_environment(without)
    with pytest.raises(ConfigError, match="TRACKER_DPO_EMAIL must be an email address"):
        from_environment({**env, "TRACKER_DPO_EMAIL": "the DPO"})
    with pytest.raises(ConfigError, match="TRACKER_ACCESSIBILITY_TESTED must be a date"):
        from_environment({**env, "TRACKER_ACCESSIBILITY_TESTED": "last week"})
