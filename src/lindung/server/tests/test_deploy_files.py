"""The deployment files in ``deploy/`` against the code they deploy (issue 15, item 2).

- The environment template lists exactly the ``LINDUNG_*`` settings that ``settings.py`` reads, and
  ``DATABASE_URL``; a setting left commented out shows its real default.
- The systemd units run commands that exist, read the environment file that ``docs/deploy.md`` installs, wait
  longer than ``lindung serve``'s stop, and pass ``systemd-analyze verify`` (ExecStart pointed at this
  virtualenv's ``lindung``, since the installed path does not exist here).
- The nginx site passes ``nginx -t`` inside a minimal nginx.conf with a throwaway self-signed certificate
  (skipped where nginx or openssl is missing; ``make deploy-tools`` installs nginx, and ``make test`` runs it).
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import get_commands

from lindung.server.supervisor import KILL_AFTER_SECOND_SIGNAL

REPO = Path(__file__).resolve().parents[4]
DEPLOY = REPO / "deploy"
SETTINGS = REPO / "src" / "lindung" / "settings.py"
ENV_TEMPLATE = DEPLOY / "lindung.env.example"
NGINX_SITE = DEPLOY / "nginx" / "lindung.conf"
DEPLOY_DOC = REPO / "docs" / "deploy.md"
ENVIRONMENT_FILE = "/etc/lindung/lindung.env"
INSTALLED_LINDUNG = "/opt/lindung/venv/bin/lindung"
# Each unit and the ``lindung`` command it runs.
UNITS = {"lindung.service": "serve", "lindung-web.service": "web", "lindung-worker.service": "db_worker"}
ENTRY = re.compile(r"^(#?)([A-Z][A-Z0-9_]*)=(.*)$")

pytestmark = pytest.mark.skipif(not DEPLOY.is_dir(), reason="deploy/ is in the source checkout only")


# ---------------------------------------------------------------- reading the files


def _constant(node: ast.expr) -> object:
    """A default as written in settings.py: a literal, a product of literals (``8 * 60 * 60``) or a list."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        left, right = _constant(node.left), _constant(node.right)
        assert isinstance(left, int) and isinstance(right, int)
        return left * right
    return ast.literal_eval(node)


def settings_defaults() -> dict[str, object]:
    """Every environment variable settings.py reads through ``lindung.env``'s readers, with its default."""
    found: dict[str, object] = {}
    for node in ast.walk(ast.parse(SETTINGS.read_text())):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("env_")):
            continue
        if not (node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
            continue
        name = node.args[0].value
        default = _constant(node.args[1]) if len(node.args) > 1 else ""
        found[name] = default
    return found


def template_entries() -> dict[str, tuple[bool, str]]:
    """The template's settings: name -> (set, i.e. not commented out; value as written)."""
    entries: dict[str, tuple[bool, str]] = {}
    for line in ENV_TEMPLATE.read_text().splitlines():
        match = ENTRY.match(line)
        if match:
            commented, name, value = match.groups()
            assert name not in entries, f"{name} is listed twice"
            entries[name] = (not commented, value)
    return entries


def as_written(default: object) -> str:
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list):
        return ",".join(str(item) for item in default)
    return str(default)


def unit(name: str) -> dict[str, dict[str, str]]:
    """A unit file's sections and keys (a repeated key keeps its last value)."""
    sections: dict[str, dict[str, str]] = {}
    current: dict[str, str] = {}
    for raw in (DEPLOY / "systemd" / name).read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, _, value = line.partition("=")
        current[key.strip()] = value.strip()
    return sections


# ---------------------------------------------------------------- the environment template


def test_env_template_lists_exactly_the_settings_read() -> None:
    read = {name for name in settings_defaults() if name.startswith("LINDUNG_") or name == "DATABASE_URL"}
    assert "DATABASE_URL" in read and len(read) > 30  # the parse found the settings
    assert set(template_entries()) == read


def test_env_template_shows_the_real_defaults_and_sets_the_production_values() -> None:
    defaults = settings_defaults()
    entries = template_entries()
    for name, (is_set, value) in entries.items():
        if not is_set:
            assert value == as_written(defaults[name]), f"{name}: the template says {value!r}"
    production = {
        "LINDUNG_HTTPS": "true",
        "LINDUNG_DEBUG": "false",
        "LINDUNG_TRUST_X_FORWARDED_FOR": "true",
        "LINDUNG_REQUIRE_2FA": "true",
    }
    for name, value in production.items():
        assert entries[name] == (True, value)
    for name in ("DATABASE_URL", "LINDUNG_SECRET_KEY", "LINDUNG_ALLOWED_HOSTS", "LINDUNG_CSRF_TRUSTED_ORIGINS"):
        assert entries[name][0] and entries[name][1], f"{name} is not set"
    assert "REPLACE" in entries["LINDUNG_SECRET_KEY"][1]
    assert "secrets.token_urlsafe" in ENV_TEMPLATE.read_text()
    assert entries["LINDUNG_CSRF_TRUSTED_ORIGINS"][1].startswith("https://")


def test_every_setting_in_the_template_has_a_comment_above_it() -> None:
    lines = ENV_TEMPLATE.read_text().splitlines()
    for number, line in enumerate(lines):
        if ENTRY.match(line):
            above = lines[number - 1]
            assert above.startswith("# ") and not ENTRY.match(above), f"no comment above {line!r}"


# ---------------------------------------------------------------- the systemd units


def test_units_run_existing_commands_with_the_documented_environment_file() -> None:
    commands = get_commands()
    doc = DEPLOY_DOC.read_text()
    data_dir = template_entries()["LINDUNG_DATA_DIR"][1]
    for name, command in UNITS.items():
        service = unit(name)["Service"]
        argv = service["ExecStart"].split()
        assert argv[0] == INSTALLED_LINDUNG and argv[1] == command, service["ExecStart"]
        assert command in commands
        assert service["EnvironmentFile"] == ENVIRONMENT_FILE
        assert service["User"] == "lindung"
        assert service["WorkingDirectory"] == data_dir
        assert data_dir in service["ReadWritePaths"].split()
        assert service["Restart"] == "on-failure"
        assert service["KillSignal"] == "SIGTERM"
        # Only the main process gets SIGTERM: a worker that got a second one from systemd would abandon its job.
        assert service["KillMode"] == "mixed"
        for key, value in {"NoNewPrivileges": "true", "ProtectSystem": "strict", "PrivateTmp": "true"}.items():
            assert service[key] == value, f"{name}: {key}"
        assert name in doc
    assert ENVIRONMENT_FILE in doc
    assert INSTALLED_LINDUNG.removesuffix("/bin/lindung") in doc


def test_units_wait_longer_than_serve_takes_to_stop() -> None:
    grace = settings_defaults()["LINDUNG_SHUTDOWN_GRACE_SECONDS"]
    assert isinstance(grace, int)
    # serve: the grace, then a second SIGTERM and KILL_AFTER_SECOND_SIGNAL, then SIGKILL and as long again.
    stopping = grace + 2 * KILL_AFTER_SECOND_SIGNAL
    for name in UNITS:
        assert int(unit(name)["Service"]["TimeoutStopSec"]) > stopping, name


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    lindung = Path(sys.executable).parent / "lindung"
    assert lindung.exists(), f"{lindung}: the virtualenv's lindung command"
    for name in UNITS:
        text = (DEPLOY / "systemd" / name).read_text()
        (tmp_path / name).write_text(text.replace(INSTALLED_LINDUNG, str(lindung)))
    done = subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # Unknown keys and values that cannot be parsed are only warnings (exit status 0): fail on any line about
    # our units. Lines about other units of this machine are not ours to judge.
    ours = [line for line in done.stderr.splitlines() if str(tmp_path) in line or any(n in line for n in UNITS)]
    assert done.returncode == 0 and not ours, done.stderr


def test_lindung_admin_runs_lindung_as_the_units_do() -> None:
    script = DEPLOY / "lindung-admin"
    text = script.read_text()
    service = unit("lindung.service")["Service"]
    assert f"ENV_FILE={service['EnvironmentFile']}\n" in text
    assert f"LINDUNG={INSTALLED_LINDUNG}\n" in text
    assert f"DATA_DIR={service['WorkingDirectory']}\n" in text
    # By its full path: cron's PATH (/usr/bin:/bin), for the nightly backup, has no /usr/sbin.
    assert f"exec /usr/sbin/runuser -u {service['User']} -- " in text
    assert script.stat().st_mode & 0o111, "lindung-admin is not executable"
    done = subprocess.run(["/bin/sh", "-n", str(script)], capture_output=True, text=True, check=False)  # noqa: S603
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- the nginx site


def test_nginx_site_allows_uploads_and_proxies_to_the_units_port() -> None:
    site = NGINX_SITE.read_text()
    size = re.search(r"client_max_body_size (\d+)m;", site)
    assert size is not None
    max_mb = settings_defaults()["LINDUNG_IMPORT_MAX_MB"]
    assert isinstance(max_mb, int)
    assert max_mb < int(size.group(1)) <= max_mb + 10
    assert "server 127.0.0.1:8000;" in site
    for name in UNITS:
        if name != "lindung-worker.service":
            assert "--host 127.0.0.1 --port 8000" in unit(name)["Service"]["ExecStart"]
    metrics = site[site.index("location = /metrics") :]
    metrics = metrics[: metrics.index("}")]
    assert "deny all;" in metrics
    # Refused as a 404 that Lindung itself answers for an address it does not have (lindung.server.metrics.views).
    assert "error_page 403 =404 /.not-found;" in metrics
    for header in ("Strict-Transport-Security", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"):
        assert f"add_header {header} " in site
    assert "return 301 https://$host$request_uri;" in site
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in site


def test_nginx_sends_the_hsts_the_template_asks_django_for() -> None:
    # nginx hides Django's Strict-Transport-Security and sends its own, so the two must say the same.
    header = re.search(r'add_header Strict-Transport-Security "([^"]*)" always;', NGINX_SITE.read_text())
    assert header is not None
    parts = {part.strip() for part in header.group(1).split(";")}
    entries, defaults = template_entries(), settings_defaults()

    def value(name: str) -> str:
        is_set, written = entries[name]
        return written if is_set else as_written(defaults[name])

    assert f"max-age={value('LINDUNG_HSTS_SECONDS')}" in parts
    assert ("includeSubDomains" in parts) == (value("LINDUNG_HSTS_INCLUDE_SUBDOMAINS") == "true")
    assert ("preload" in parts) == (value("LINDUNG_HSTS_PRELOAD") == "true")


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        pytest.skip("nginx is not installed (`make deploy-tools` installs it as root): nginx -t not run")
    return found


def test_nginx_site_passes_nginx_t(tmp_path: Path) -> None:
    nginx = _nginx()
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate for nginx -t")
    subprocess.run(  # noqa: S603 - a fixed tool, a throwaway certificate
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=lindung.example.go.id",
            "-keyout",
            str(tmp_path / "privkey.pem"),
            "-out",
            str(tmp_path / "fullchain.pem"),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    site = NGINX_SITE.read_text()
    for placeholder in (
        "/etc/ssl/lindung/fullchain.pem",
        "/etc/ssl/lindung/privkey.pem",
        "/var/lib/nginx/lindung-static",
    ):
        assert placeholder in site
    site = site.replace("/etc/ssl/lindung/", f"{tmp_path}/").replace(
        "/var/lib/nginx/lindung-static", f"{tmp_path}/cache"
    )
    (tmp_path / "lindung.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp_paths = "\n".join(f"    {kind}_temp_path {tmp_path}/{kind};" for kind in kinds)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\n"
        f"error_log {tmp_path}/error.log;\n"
        "events {}\n"
        "http {\n"
        "    access_log off;\n"
        f"{temp_paths}\n"
        f"    include {tmp_path}/lindung.conf;\n"
        "}\n"
    )
    done = subprocess.run(  # noqa: S603 - a fixed tool on our own files
        [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "[warn]" not in done.stderr, done.stderr
