"""The service under gunicorn with the repository's gunicorn.conf.py: it serves, it is ready on
a migrated database, and its access log holds no path and no query string."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.notify.conftest import free_port

PROJECT = Path(__file__).resolve().parents[2]
SECRETS = ("bone_pain", "an-invitation-token", "sam@example.test", "healthz", "readyz", "?")


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.whole_app
def test_gunicorn_serves_and_logs_no_paths(migrated_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_")}
    env.update(
        TRACKER_DATABASE_URL=migrated_url,
        TRACKER_INSTANCE_PATH=str(tmp_path / "instance"),
        PYTHONUNBUFFERED="1",
    )
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"),
            *("--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2"),
        ],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if _get(base + "/healthz") == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not start")
        assert _get(base + "/readyz") == 200
        # Signed out: sent to sign in (urllib follows the redirect, a second logged request).
        assert _get(base + "/diary/symptoms/bone_pain?email=sam@example.test") == 200
        assert _get(base + "/join/an-invitation-token") in (200, 404)
        assert _get(base + "/no/such/page?q=bone_pain") == 404
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    access = [line for line in out.splitlines() if re.search(r'"(GET|POST)" \d{3} ', line)]
    # /healthz until it answered, then five requests.
    assert len(access) >= 6, out
    for line in out.splitlines() + err.splitlines():
        assert not any(secret in line for secret in SECRETS), line
