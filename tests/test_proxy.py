"""Behind a configured number of proxies, the client's own address is what the app sees."""

from __future__ import annotations

from tracker import create_app
from tracker.config import for_tests
from tracker.security import public


def app_reporting_address(database_url, tmp_path, proxies: int):
    app = create_app(for_tests(database_url, str(tmp_path), web={"proxy_count": proxies}))

    @app.get("/whoami")
    @public
    def whoami():
        from flask import request

        return request.remote_addr or ""

    return app


def test_forwarded_for_is_trusted_only_when_proxies_are_configured(database_url, tmp_path):
    headers = {"X-Forwarded-For": "203.0.113.7"}
    direct = app_reporting_address(database_url, tmp_path, 0).test_client()
    assert direct.get("/whoami", headers=headers).text == "127.0.0.1"
    proxied = app_reporting_address(database_url, tmp_path, 1).test_client()
    assert proxied.get("/whoami", headers=headers).text == "203.0.113.7"
