"""Django settings for Lindung, read from environment variables (see README, "Configuration").

With no ``DATABASE_URL`` an embedded SQLite file under ``LINDUNG_DATA_DIR`` (default ``./var/``) is
used so that the demo runs anywhere; production points ``DATABASE_URL`` at PostgreSQL.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from lindung.backup_key import env_backup_key
from lindung.env import (
    env_bool,
    env_choice,
    env_int,
    env_list,
    env_networks,
    env_path,
    env_str,
    env_time_zone,
    env_token,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = env_path("LINDUNG_DATA_DIR", "./var")


def _secret_key() -> str:
    """The key from the environment, else one generated once and kept (mode 0600) in the data folder."""
    configured = env_str("LINDUNG_SECRET_KEY")
    if configured:
        return configured
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


def _nik_hash_key_file() -> Path:
    """The file of the NIK's keyed hash's key (``_nik_hash_key``): ``LINDUNG_NIK_HASH_KEY_FILE``, else in the data
    folder."""
    named = env_str("LINDUNG_NIK_HASH_KEY_FILE")
    return Path(named).expanduser().resolve() if named else DATA_DIR / "nik_hash_key"


def _nik_hash_key(key_file: Path) -> bytes:
    """The key of the NIK's keyed hash (HMAC-SHA256) that an anonymised worker keeps instead of the NIK
    (``workers.nik_hash``, docs/decisions/0017): the file ``LINDUNG_NIK_HASH_KEY_FILE`` names, else one made once
    in the data folder (mode 0600). The key must never change: a new key stops finding the people anonymised
    under the old one. ``lindung backup`` carries it in each archive and ``lindung restore`` puts it back."""
    named = env_str("LINDUNG_NIK_HASH_KEY_FILE")
    if not key_file.exists():
        if named:
            raise ImproperlyConfigured(f"LINDUNG_NIK_HASH_KEY_FILE names {key_file}, which does not exist")
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.touch(mode=0o600)
        key_file.write_text(secrets.token_hex(32) + "\n")
    key = key_file.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{key_file} holds {len(key)} characters; a NIK hash key needs at least 32")
    return key.encode()


def _databases() -> dict[str, dict[str, object]]:
    url = env_str("DATABASE_URL")
    if url:
        try:
            config: dict[str, object] = dict(dj_database_url.parse(url, conn_max_age=60))
        except ValueError as exc:
            raise ImproperlyConfigured(f"DATABASE_URL is not a database URL: {exc}") from None
        if config.get("ENGINE") == "django.db.backends.postgresql":
            test_name = env_str("LINDUNG_TEST_DATABASE_NAME")
            if test_name:
                config["TEST"] = {"NAME": test_name}
        return {"default": config}
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "lindung.sqlite3"),
            "OPTIONS": {
                # WAL lets the web server read while the task worker writes; IMMEDIATE avoids
                # "database is locked" upgrades from read to write transactions.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
            },
        }
    }


SECRET_KEY = _secret_key()
DEBUG = env_bool("LINDUNG_DEBUG", False)
ALLOWED_HOSTS = env_list("LINDUNG_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("LINDUNG_CSRF_TRUSTED_ORIGINS", [])
HTTPS = env_bool("LINDUNG_HTTPS", False)
# Behind a reverse proxy that sets X-Forwarded-For, the login throttle counts by that address instead.
LINDUNG_TRUST_X_FORWARDED_FOR = env_bool("LINDUNG_TRUST_X_FORWARDED_FOR", False)
# The login throttle (lindung.accounts.services): failures of one username from one address before that address
# waits 1, 2, 4 ... minutes (at most an hour) for it; failures from one address within 15 minutes, whatever the
# usernames, before it waits; failures of one username from all addresses within a day that lock it until an
# administrator unlocks it (0: never lock).
LINDUNG_LOGIN_ATTEMPTS = env_int("LINDUNG_LOGIN_ATTEMPTS", 5, minimum=1)
LINDUNG_LOGIN_ADDRESS_LIMIT = env_int("LINDUNG_LOGIN_ADDRESS_LIMIT", 20, minimum=1)
LINDUNG_LOGIN_LOCK_AFTER = env_int("LINDUNG_LOGIN_LOCK_AFTER", 100, minimum=0)
# The API (issue 18): a person's own token may make this many requests a minute (a client's limit is set with the
# client); an Idempotency-Key's answer is kept this many days.
LINDUNG_API_PERSONAL_RATE_LIMIT = env_int("LINDUNG_API_PERSONAL_RATE_LIMIT", 120, minimum=1, maximum=100_000)
LINDUNG_API_IDEMPOTENCY_DAYS = env_int("LINDUNG_API_IDEMPOTENCY_DAYS", 2, minimum=1, maximum=90)
# DCI messages (lindung.api.dci.signing): Lindung's Ed25519 key (a PEM file made 0600 on first use), the id it
# signs as, how long its signatures live, and what it accepts: a signature living at most MAX seconds, a
# message_ts at most MESSAGE_MAX_AGE old, either a little in the future (CLOCK_SKEW).
_dci_key_file = env_str("LINDUNG_DCI_SIGNING_KEY_FILE")
LINDUNG_DCI_SIGNING_KEY_FILE = (
    Path(_dci_key_file).expanduser().resolve() if _dci_key_file else DATA_DIR / "dci-signing-key.pem"
)
LINDUNG_DCI_SENDER_ID = env_str("LINDUNG_DCI_SENDER_ID", "lindung")
LINDUNG_DCI_SIGNATURE_SECONDS = env_int("LINDUNG_DCI_SIGNATURE_SECONDS", 300, minimum=10, maximum=3600)
LINDUNG_DCI_SIGNATURE_MAX_SECONDS = env_int("LINDUNG_DCI_SIGNATURE_MAX_SECONDS", 3600, minimum=10, maximum=86_400)
LINDUNG_DCI_MESSAGE_MAX_AGE_SECONDS = env_int("LINDUNG_DCI_MESSAGE_MAX_AGE_SECONDS", 300, minimum=10, maximum=86_400)
LINDUNG_DCI_CLOCK_SKEW_SECONDS = env_int("LINDUNG_DCI_CLOCK_SKEW_SECONDS", 60, minimum=0, maximum=3600)
# The population registry (lindung.civil_registry.dukcapil): unused unless set. URL (and its bearer token, read
# from TOKEN_FILE) once a cooperation agreement (PKS) exists; FILE for a file of deaths (the simulator writes one).
LINDUNG_DUKCAPIL_URL = env_str("LINDUNG_DUKCAPIL_URL")
LINDUNG_DUKCAPIL_TOKEN_FILE = env_str("LINDUNG_DUKCAPIL_TOKEN_FILE")
LINDUNG_DUKCAPIL_TIMEOUT_SECONDS = env_int("LINDUNG_DUKCAPIL_TIMEOUT_SECONDS", 10, minimum=1, maximum=300)
LINDUNG_DUKCAPIL_FILE = env_str("LINDUNG_DUKCAPIL_FILE")
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
# LINDUNG_HTTPS=true: plain HTTP is redirected and browsers are told to use HTTPS only (HSTS). Subdomains and the
# browsers' preload list are the domain owner's choice: a regional government's other sites share its domain.
SECURE_SSL_REDIRECT = HTTPS
# Except the addresses that programs on this machine ask gunicorn for directly, over plain HTTP on 127.0.0.1
# (nginx sends all of port 80 to HTTPS itself): the health checks and a local Prometheus scraping /metrics.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
LINDUNG_HSTS_SECONDS = env_int("LINDUNG_HSTS_SECONDS", 365 * 24 * 60 * 60, minimum=0)  # read always: checked at start
SECURE_HSTS_SECONDS = LINDUNG_HSTS_SECONDS if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("LINDUNG_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("LINDUNG_HSTS_PRELOAD", False)
# Behind a reverse proxy (the one trusted for X-Forwarded-For), the proxy also says whether the request was HTTPS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if LINDUNG_TRUST_X_FORWARDED_FOR else None
# Content-Security-Policy: scripts only from our own static files, never inline; inline styles stay allowed for
# the printable documents' <style> blocks and the SVG charts' sizes. Nothing is loaded from elsewhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF, CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Features no page of Lindung's uses, refused to any script (lindung.web.middleware).
LINDUNG_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
SESSION_COOKIE_HTTPONLY = True
# A session ends LINDUNG_SESSION_SECONDS after its login whatever happens (an absolute limit: activity does not
# extend it), and earlier after LINDUNG_SESSION_IDLE_MINUTES without a request (lindung.accounts.middleware).
SESSION_COOKIE_AGE = env_int("LINDUNG_SESSION_SECONDS", 8 * 60 * 60, minimum=60)
LINDUNG_SESSION_IDLE_MINUTES = env_int("LINDUNG_SESSION_IDLE_MINUTES", 30, minimum=1, maximum=1440)
if LINDUNG_SESSION_IDLE_MINUTES * 60 > SESSION_COOKIE_AGE:
    raise ImproperlyConfigured(
        f"LINDUNG_SESSION_IDLE_MINUTES ({LINDUNG_SESSION_IDLE_MINUTES}) must not be longer than the whole session, "
        f"LINDUNG_SESSION_SECONDS ({SESSION_COOKIE_AGE} s): lower it, or raise LINDUNG_SESSION_SECONDS"
    )
# Two-factor login (lindung.accounts.two_factor): when true, users who see a whole province (and staff) must set up
# an authenticator app before they can use any other page. Off by default so that the demo's users log in with the
# printed password; the production template turns it on.
LINDUNG_REQUIRE_2FA = env_bool("LINDUNG_REQUIRE_2FA", False)
# django-otp: the name authenticator apps show beside the code. Its own per-device wait after a wrong code is off:
# the login throttle (lindung.accounts.services) counts a wrong code as a failed login, per username and address,
# so that nobody can keep a user out by typing wrong codes for them from elsewhere (docs/decisions/, two-factor login).
OTP_TOTP_ISSUER = "Lindung"
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0
SECURE_CONTENT_TYPE_NOSNIFF = True
# A form refused for its CSRF token: a page in the user's language with the way back, not Django's English one.
CSRF_FAILURE_VIEW = "lindung.web.csrf.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Before django_tasks_db: its ``db_worker`` command is this app's, which tidies up first.
    "lindung.worker",
    "django_tasks_db",
    "lindung.regions",
    "lindung.rules",
    "lindung.privacy_notices",
    # Before the accounts: their admin module unregisters django-otp's device pages (changes there would not be
    # audited).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "lindung.accounts",
    "lindung.audit",
    "lindung.workers",
    "lindung.programmes",
    "lindung.enrolments",
    "lindung.imports",
    "lindung.contributions",
    "lindung.claims",
    "lindung.civil_registry",
    "lindung.charts",
    "lindung.public",
    "lindung.reports",
    "lindung.pdp",
    "lindung.administration",
    "lindung.api",
    "lindung.dashboard",
    "lindung.web",
    "lindung.home",
    "lindung.nightly",
    "lindung.server",
    "lindung.demo",
]
# The public coverage check (/cek-status/): every POST takes at least this long, so that the answer time does not
# tell a registered NIK from an unknown one; at most LIMIT checks per client address within WINDOW minutes.
LINDUNG_PUBLIC_CHECK_MS = env_int("LINDUNG_PUBLIC_CHECK_MS", 400, minimum=0, maximum=10_000)
LINDUNG_PUBLIC_CHECK_LIMIT = env_int("LINDUNG_PUBLIC_CHECK_LIMIT", 10, minimum=1)
LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES = env_int("LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES", 15, minimum=1)
# Contributions of a month are due on this day of the next month (1-28); unpaid after it, the month is in arrears.
# Up to 28 so that every month has the day (February included).
LINDUNG_CONTRIBUTION_DUE_DAY = env_int("LINDUNG_CONTRIBUTION_DUE_DAY", 10, minimum=1, maximum=28)
# Spreadsheet uploads (imports and BPJS's answers) are read within these bounds, each refusing the whole file with
# a sentence when it is reached (``lindung.spreadsheets``): the file's size (a province's million rows are
# ~180 MB of CSV), an .xlsx's unpacked size, data rows, columns holding a value, characters in a cell, and the
# seconds from opening the file to its last row. Of the rejected rows, the first MAX_ERRORS are kept with their
# errors (the page and the error file); the others are counted by column and problem. A running import silent
# for STALE_SECONDS is marked failed by the task worker (its process was killed).
LINDUNG_IMPORT_MAX_BYTES = env_int("LINDUNG_IMPORT_MAX_MB", 50, minimum=1) * 1024 * 1024
LINDUNG_IMPORT_MAX_UNPACKED_BYTES = env_int("LINDUNG_IMPORT_MAX_UNPACKED_MB", 500, minimum=1) * 1024 * 1024
LINDUNG_IMPORT_MAX_ROWS = env_int("LINDUNG_IMPORT_MAX_ROWS", 300_000, minimum=1)
LINDUNG_IMPORT_MAX_COLUMNS = env_int("LINDUNG_IMPORT_MAX_COLUMNS", 64, minimum=30, maximum=16_384)
LINDUNG_IMPORT_MAX_CELL_CHARS = env_int("LINDUNG_IMPORT_MAX_CELL_CHARS", 2_000, minimum=300)
LINDUNG_IMPORT_MAX_SECONDS = env_int("LINDUNG_IMPORT_MAX_SECONDS", 900, minimum=10)
LINDUNG_IMPORT_MAX_ERRORS = env_int("LINDUNG_IMPORT_MAX_ERRORS", 1_000, minimum=10, maximum=100_000)
LINDUNG_IMPORT_STALE_SECONDS = env_int("LINDUNG_IMPORT_STALE_SECONDS", 30 * 60, minimum=60)

MIDDLEWARE = [
    "lindung.web.middleware.request_id",  # first: every log line of a request carries its id
    # What the API sets for a request (the audit channel, naming its client or token) ends with the request.
    "lindung.api.middleware.audit_channel_per_request",
    # Under /api/ a query parameter given twice is refused, not read as its last value.
    "lindung.api.middleware.query_parameters_once",
    "lindung.server.metrics.instruments.http_metrics",  # early: it times the whole answer
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Pages gzipped for slow mobile connections (a list shrinks about tenfold; static files come compressed from
    # WhiteNoise, which answers above this). Outside every middleware that writes the body. BREACH: Django masks
    # the CSRF token anew in each answer and this middleware pads its output with random bytes ("Heal The Breach").
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After authentication and messages: a session idle or too old ends here, with a message on the login page;
    # then a session that skipped its code is ended, and a user who must set up two-factor login is sent there.
    "lindung.accounts.middleware.session_expiry",
    "lindung.accounts.middleware.two_factor",
    # An API POST with an Idempotency-Key: the same key again gets the first answer (lindung.api.conventions).
    "lindung.api.middleware.idempotency",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "lindung.web.middleware.permissions_policy",
]

ROOT_URLCONF = "lindung.urls"
WSGI_APPLICATION = "lindung.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lindung.accounts.context_processors.user_actions",
            ],
        },
    },
]

DATABASES = _databases()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Not a region's name or a programme word ("Pontianak2026", "bpjs12345678"), and not one of the last five.
    {"NAME": "lindung.accounts.passwords.LocalWordValidator"},
    {"NAME": "lindung.accounts.passwords.PasswordReuseValidator", "OPTIONS": {"remember": 5}},
]

# Indonesian by default, English selectable; Pontianak time (WIB, UTC+7) for Kalimantan Barat.
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env_time_zone("LINDUNG_TIME_ZONE", "Asia/Pontianak")
USE_I18N = True
USE_TZ = True
# One date format per kind (day, month, date and time) and the number separators, per language: lindung/formats/.
FORMAT_MODULE_PATH = ["lindung.formats"]
# Numbers are grouped explicitly where shown (the rupiah filters); never implicitly, or ids in URLs and
# data attributes would render as "12.345".
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
# whitenoise warns on every request while STATIC_ROOT is missing, even though it serves from the finders.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Static files as production serves them: collected into STATIC_ROOT, each named by its content's hash
# (app.3f9c1e2a.css: browsers keep it for a year, and a new version is a new name) and stored compressed
# beside it (.br, .gz), which WhiteNoise sends to the browsers that accept them. That needs `collectstatic`
# first (a page naming a file missing from the manifest fails): `lindung serve` and `lindung web` collect,
# then set this for their processes. Unset (tests, `runserver`, commands), files are served straight from the
# app folders under their own names, with no collecting.
STATIC_MANIFEST = env_bool("LINDUNG_STATIC_MANIFEST", False)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
# Uploads being read and Django's own temporary upload files stay inside the data folder, never in /tmp: they
# hold NIKs, and the worker removes what a killed process left there (``lindung.worker.housekeeping``).
LINDUNG_TMP_DIR = DATA_DIR / "tmp"
LINDUNG_TMP_DIR.mkdir(parents=True, exist_ok=True, mode=0o700)
FILE_UPLOAD_TEMP_DIR = str(LINDUNG_TMP_DIR)
# `lindung backup` encrypts its archives with the key in this file (made by `lindung backup-key`), and restore
# and verify decrypt with it; unset: archives are not encrypted. A file, not the key itself: the environment
# reaches every child process (pg_dump among them) and the settings file is copied about; the key file stays
# where it is put (docs/decisions/0011-backup-encryption.md). Checked here: missing, malformed or readable by
# every user stops start-up.
LINDUNG_BACKUP_KEY = env_backup_key("LINDUNG_BACKUP_KEY", "")
# The key of the NIK's keyed hash that anonymisation keeps (UU 27/2022 retention, docs/decisions/0017).
LINDUNG_NIK_HASH_KEY_FILE = _nik_hash_key_file()
LINDUNG_NIK_HASH_KEY = _nik_hash_key(LINDUNG_NIK_HASH_KEY_FILE)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Background work runs in the database-backed queue: `lindung db_worker` processes it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# `lindung serve`: web server processes and threads per process, task workers, and how long a stop waits for
# requests and jobs to finish before the workers abandon their jobs.
LINDUNG_WEB_WORKERS = env_int("LINDUNG_WEB_WORKERS", 2, minimum=1, maximum=64)
LINDUNG_WEB_THREADS = env_int("LINDUNG_WEB_THREADS", 4, minimum=1, maximum=64)
LINDUNG_TASK_WORKERS = env_int("LINDUNG_TASK_WORKERS", 1, minimum=1, maximum=16)
LINDUNG_SHUTDOWN_GRACE_SECONDS = env_int("LINDUNG_SHUTDOWN_GRACE_SECONDS", 60, minimum=1, maximum=3600)
# Readiness (/readyz): a task worker wrote its heartbeat within three beats, and no more than this many jobs
# wait in the queue that are due.
LINDUNG_WORKER_HEARTBEAT_SECONDS = env_int("LINDUNG_WORKER_HEARTBEAT_SECONDS", 30, minimum=1, maximum=3600)
LINDUNG_READY_MAX_QUEUE = env_int("LINDUNG_READY_MAX_QUEUE", 100, minimum=1)
# /metrics (Prometheus's text format, lindung.server.metrics): answered to the client addresses in these networks
# (the address as the login throttle sees it, so behind nginx the forwarded one) and to a request with
# ``Authorization: Bearer <LINDUNG_METRICS_TOKEN>`` (empty: no token is accepted); 404 to anyone else.
LINDUNG_METRICS_ALLOW = env_networks("LINDUNG_METRICS_ALLOW", ["127.0.0.1", "::1"])
LINDUNG_METRICS_TOKEN = env_token("LINDUNG_METRICS_TOKEN", min_length=32)

LOG_LEVEL = env_choice("LINDUNG_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"])
# One JSON object per line (for a log collector), or plain lines for a person at a terminal; each line carries
# the request id of the request it belongs to ("-" outside requests). Nothing personal is ever logged.
LOG_FORMAT = env_choice("LINDUNG_LOG_FORMAT", "json", ["json", "plain"])
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "lindung.web.middleware.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "lindung.web.middleware.JsonLines",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
        },
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["request_id"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
}
