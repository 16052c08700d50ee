"""Production hardening: HTTPS settings, the Content-Security-Policy with no inline script, Permissions-Policy,
and ``lindung check --deploy`` clean with production settings."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

import lindung

PACKAGE = Path(lindung.__file__).parent
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE)


def test_no_template_holds_an_inline_script_or_event_handler() -> None:
    """The policy below refuses them; a template that used one would break silently in the browser."""
    offenders = []
    for template in PACKAGE.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(template.relative_to(PACKAGE)))
    assert offenders == []


@pytest.mark.django_db
def test_pages_carry_the_content_security_policy_and_permissions_policy() -> None:
    response = Client().get("/masuk/")
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_check_deploy_is_clean_with_the_production_environment_template(tmp_path: Path) -> None:
    """``deploy/lindung.env.example``'s values, with a real secret key in place of its placeholder."""
    env = _clean_environment(tmp_path)
    template = Path(__file__).resolve().parents[4] / "deploy" / "lindung.env.example"
    for line in template.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and not line.startswith("#") and name.startswith("LINDUNG_"):
            env[name] = value
    assert env["LINDUNG_HTTPS"] == "true" and env["LINDUNG_DEBUG"] == "false"
    env["LINDUNG_SECRET_KEY"] = secrets.token_urlsafe(50)
    env["LINDUNG_DATA_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "lindung", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


def test_https_switches_on_the_redirect_hsts_and_secure_cookies(tmp_path: Path) -> None:
    env = _clean_environment(tmp_path)
    env.update(LINDUNG_HTTPS="true")
    code = (
        "from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE)"
    )
    done = subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "lindung", "shell", "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-4:] == ["True", "31536000", "True", "True"]


def _clean_environment(data_dir: Path) -> dict[str, str]:
    """This process's environment without the suite's own settings (its database, the browser tests' switch)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "LINDUNG_", "DJANGO_ALLOW_ASYNC_UNSAFE"))
    }
    env["LINDUNG_DATA_DIR"] = str(data_dir)
    return env
