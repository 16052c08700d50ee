"""The records of processing activities (UU 27/2022), generated from the application's own configuration.

``processing_register(on=day)`` builds the register the page and the PDF show. Only each activity's purpose and
legal basis are written by hand (``pdp.processing_activities``); the rest is read here, so it changes when the
application does:

1. data kinds: the personal fields of the activity's tables, as ``pdp.personal_data`` marks them, each named by
   its model's own field name (a backup: every catalogued table);
2. roles: the roles of ``accounts.permissions.ROLE_ACTIONS`` granted one of the activity's actions;
3. recipients: the API clients (``ApiClient`` rows not revoked) whose scopes grant one of those actions, each by
   name, region and scopes; BPJS Ketenagakerjaan with the batch file's own columns (``enrolments.bpjs``); the
   civil registry as the ``LINDUNG_DUKCAPIL_*`` settings connect it;
4. retention: the ``retention.*`` rules in force on the day (value, since when, legal source), or the setting that
   bounds a table;
5. security measures: read from the settings (two-factor login, sessions, HTTPS, the login throttle, backup
   encryption, the public check's limits) and the role table (who may see a whole NIK, audited).

Reads only; the register holds no person's data (API clients are systems), so it is neither scoped nor audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lindung.accounts.api_scopes import scope_sentence
from lindung.accounts.models import ApiClient, Role
from lindung.accounts.permissions import ROLE_ACTIONS, Action, scope_actions
from lindung.enrolments.bpjs import EXPORT_HEADERS
from lindung.numbers import grouped
from lindung.pdp.personal_data import FIELDS, DataKind, personal_fields, tables_about_people
from lindung.pdp.processing_activities import ACTIVITIES, Activity
from lindung.pdp.views import RETENTION_RULES  # what each rule keeps, as the retention page says it
from lindung.rules.keys import Rule
from lindung.rules.models import RuleValue


@dataclass(frozen=True)
class DataLine:
    kind: str  # the kind's label
    fields: list[str]  # the fields' names, as their models call them


@dataclass(frozen=True)
class Recipient:
    name: str
    what: str
    codes: list[str] = field(default_factory=list)  # literal values (an API client's scopes, a file's columns)


@dataclass(frozen=True)
class RetentionLine:
    what: str
    years: int | None = None
    since: dt.date | None = None
    source: str = ""  # the rule's legal source, in the language of the rule file (Indonesian)


@dataclass(frozen=True)
class ActivityRecord:
    key: str
    title: str
    purpose: str
    legal_basis: str
    data: list[DataLine]
    roles: list[str]
    recipients: list[Recipient]
    retention: list[RetentionLine]
    measures: list[str]


@dataclass(frozen=True)
class Register:
    on: dt.date
    activities: list[ActivityRecord]
    measures: list[str]  # those of every activity


def processing_register(*, on: dt.date) -> Register:
    clients = list(ApiClient.objects.filter(revoked_at__isnull=True).select_related("user__region").order_by("name"))
    return Register(
        on=on,
        activities=[_record(activity, on=on, clients=clients) for activity in ACTIVITIES],
        measures=[measure() for measure in COMMON_MEASURES],
    )


def _record(activity: Activity, *, on: dt.date, clients: list[ApiClient]) -> ActivityRecord:
    recipients = [recipient for key in activity.recipients for recipient in RECIPIENTS[key]()]
    if activity.actions and "api_clients" not in activity.recipients:
        recipients += [_client(client) for client in clients if scope_actions(client.scopes) & set(activity.actions)]
    return ActivityRecord(
        key=activity.key,
        title=str(activity.title),
        purpose=str(activity.purpose),
        legal_basis=str(activity.legal_basis),
        data=_data(tuple(FIELDS) if activity.every_table else activity.tables),
        roles=_roles(activity),
        recipients=recipients,
        retention=[line for key in activity.retention for line in _retention(key, on=on)],
        measures=[MEASURES[key]() for key in activity.measures],
    )


def _data(tables: tuple[str, ...]) -> list[DataLine]:
    """The kinds of personal data in ``tables``, in the kinds' order, each with its fields' names."""
    by_kind: dict[DataKind, list[str]] = {}
    for label in tables:
        for kind, field_name in personal_fields(label):
            name = capfirst(field_name)
            if name not in by_kind.setdefault(kind, []):
                by_kind[kind].append(name)
    return [DataLine(kind=str(kind.label), fields=by_kind[kind]) for kind in DataKind if kind in by_kind]


def _roles(activity: Activity) -> list[str]:
    roles = [str(role.label) for role in Role if set(activity.actions) & ROLE_ACTIONS.get(role, frozenset())]
    if activity.public:
        roles.append(_("Anyone, without signing in"))
    if activity.unattended:
        roles.append(_("The server itself: the nightly run and the installation's command line"))
    return roles


# --- recipients ----------------------------------------------------------------------------------------------


def _client(client: ApiClient) -> Recipient:
    region = client.user.region.name.title() if client.user.region else "—"
    grants = " ".join(scope_sentence(scope) for scope in sorted(client.scopes))
    return Recipient(
        name=client.name,
        what=_("A connected system (API client) of %(region)s. %(grants)s Its scopes:")
        % {"region": region, "grants": grants},
        codes=sorted(str(scope) for scope in client.scopes),
    )


def _all_clients() -> list[Recipient]:
    clients = ApiClient.objects.filter(revoked_at__isnull=True).select_related("user__region").order_by("name")
    return [_client(client) for client in clients] or [Recipient(name="—", what=_("No API client is registered."))]


def _bpjs_batch() -> list[Recipient]:
    what = _("The batch file of each batch sent, with these columns:")
    return [Recipient(name="BPJS Ketenagakerjaan", what=what, codes=[header for header, _text in EXPORT_HEADERS])]


def _bpjs_invoice() -> list[Recipient]:
    what = _("Each month's invoice: a line per covered worker (masked NIK, name, amount).")
    return [Recipient(name="BPJS Ketenagakerjaan", what=what)]


def _bpjs_claim() -> list[Recipient]:
    what = _("The claim, its documents and the heirs, submitted to the BPJS office.")
    return [Recipient(name="BPJS Ketenagakerjaan", what=what)]


def _dukcapil() -> list[Recipient]:
    url = str(settings.LINDUNG_DUKCAPIL_URL or "")
    if url:
        host = urlsplit(url).hostname or url
        what = _(
            "Connected at %(host)s (LINDUNG_DUKCAPIL_URL): a NIK with its name and date of birth when one is "
            "verified, and the day from which deaths are asked."
        ) % {"host": host}
    elif settings.LINDUNG_DUKCAPIL_FILE:
        what = _("Deaths are read from a file (LINDUNG_DUKCAPIL_FILE): nothing is sent to the civil registry.")
    else:
        what = _("Not connected (neither LINDUNG_DUKCAPIL_URL nor LINDUNG_DUKCAPIL_FILE is set): nothing is sent.")
    return [Recipient(name="Dukcapil", what=what)]


RECIPIENTS: dict[str, Callable[[], list[Recipient]]] = {
    "api_clients": _all_clients,
    "bpjs_batch": _bpjs_batch,
    "bpjs_invoice": _bpjs_invoice,
    "bpjs_claim": _bpjs_claim,
    "dukcapil": _dukcapil,
}


# --- retention -----------------------------------------------------------------------------------------------


def _retention(key: Rule | str, *, on: dt.date) -> list[RetentionLine]:
    if key in RETENTION_RULES:
        rule = Rule(key)
        row = RuleValue.objects.filter(key=rule, effective_from__lte=on).order_by("-effective_from").first()
        if row is None:
            return [RetentionLine(what=str(RETENTION_RULES[rule]) + " — " + _("no rule in force on this day"))]
        return [
            RetentionLine(what=str(RETENTION_RULES[rule]), years=row.value, since=row.effective_from, source=row.source)
        ]
    return [RetentionLine(what=SETTING_RETENTION[str(key)]())]


def _public_check_window() -> str:
    return ngettext(
        "Each attempt's keyed address is deleted after %(minutes)s minute (LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES).",
        "Each attempt's keyed address is deleted after %(minutes)s minutes (LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES).",
        settings.LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES,
    ) % {"minutes": grouped(settings.LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES)}


def _backup_rotation() -> str:
    return _(
        "As many archives as the backup keeps (lindung backup --keep N; without it, every archive): a record "
        "anonymised since stays whole in the older archives until they are removed."
    )


SETTING_RETENTION: dict[str, Callable[[], str]] = {
    "public_check_window": _public_check_window,
    "backup_rotation": _backup_rotation,
}


# --- security measures ---------------------------------------------------------------------------------------


def _scope() -> str:
    return _(
        "Every page, export, report, command and API call reads through the user's region (province, regency or "
        "village); a record outside it answers as missing."
    )


def _two_factor() -> str:
    if settings.LINDUNG_REQUIRE_2FA:
        return _(
            "Two-factor login is required of every user who sees a whole province (LINDUNG_REQUIRE_2FA); the others "
            "may turn it on."
        )
    return _("Two-factor login is offered to every user but required of nobody (LINDUNG_REQUIRE_2FA is off).")


def _sessions() -> str:
    return _(
        "A session ends after %(idle)s minutes without a request and %(hours)s hours after signing in, however active."
    ) % {"idle": grouped(settings.LINDUNG_SESSION_IDLE_MINUTES), "hours": grouped(settings.SESSION_COOKIE_AGE // 3600)}


def _transport() -> str:
    if settings.HTTPS:
        return _(
            "Only HTTPS: plain HTTP is redirected, cookies are secure-only and browsers are told to keep to HTTPS "
            "for %(days)s days (HSTS)."
        ) % {"days": grouped(settings.SECURE_HSTS_SECONDS // 86400)}
    return _(
        "HTTPS is not enforced by Lindung (LINDUNG_HTTPS is off): the web server in front of it must give it, or "
        "the data travel in the clear."
    )


def _login_throttle() -> str:
    lock = settings.LINDUNG_LOGIN_LOCK_AFTER
    text = _(
        "After %(attempts)s wrong passwords for a user name from one address, or %(address)s failed sign-ins from "
        "one address within 15 minutes, that address waits longer after each further one."
    ) % {"attempts": grouped(settings.LINDUNG_LOGIN_ATTEMPTS), "address": grouped(settings.LINDUNG_LOGIN_ADDRESS_LIMIT)}
    if lock:
        text += " " + _("%(lock)s failed sign-ins in a day lock the user name until an administrator unlocks it.") % {
            "lock": grouped(lock)
        }
    return text


def _nik_audit() -> str:
    roles = ", ".join(str(role.label) for role in Role if Action.WORKER_VIEW_NIK in ROLE_ACTIONS.get(role, ()))
    return _(
        "Lists show a NIK masked; the whole NIK and date of birth are shown only to %(roles)s, and every sight of "
        "them is written in the audit log."
    ) % {"roles": roles}


def _downloads() -> str:
    return _("Files of personal data are handed out only to a button (a POST), and every download is audited.")


def _restriction() -> str:
    return _(
        "A worker whose processing is restricted at their request is not proposed, exported or shown whole until "
        "it is lifted."
    )


def _batch_file() -> str:
    return _("Each batch file is kept with its SHA-256 and handed out again byte for byte, audited.")


def _dci_signatures() -> str:
    return _(
        "Death notifications are accepted only signed with a key registered for the sending client (Ed25519, at "
        "most %(seconds)s seconds old), and a person confirms each death before anything changes."
    ) % {"seconds": grouped(settings.LINDUNG_DCI_MESSAGE_MAX_AGE_SECONDS)}


def _api_tokens() -> str:
    return _(
        "Only hashes of secrets and tokens are kept; a client's token lasts an hour; each caller has a limit of "
        "requests a minute (a personal token: %(personal)s)."
    ) % {"personal": grouped(settings.LINDUNG_API_PERSONAL_RATE_LIMIT)}


def _public_check() -> str:
    return _(
        "At most %(limit)s checks per address in %(minutes)s minutes; every answer takes at least %(ms)s ms and "
        "reads alike for an unknown NIK and one not covered; what was typed is never kept."
    ) % {
        "limit": grouped(settings.LINDUNG_PUBLIC_CHECK_LIMIT),
        "minutes": grouped(settings.LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES),
        "ms": grouped(settings.LINDUNG_PUBLIC_CHECK_MS),
    }


def _backup_encryption() -> str:
    if settings.LINDUNG_BACKUP_KEY:
        return _("Backups are encrypted as they are written (AES-256-GCM, the key in LINDUNG_BACKUP_KEY).")
    return _("Backups are NOT encrypted: LINDUNG_BACKUP_KEY is not set.")


def _audit_append_only() -> str:
    return _("The audit log is only appended to: no page, command or API changes or deletes an entry.")


def _nik_hash() -> str:
    return _(
        "An anonymised NIK is kept only as a keyed hash (the key outside the database), so that a person "
        "registered again is still found; names and contacts are removed."
    )


COMMON_MEASURES: tuple[Callable[[], str], ...] = (_scope, _two_factor, _sessions, _transport, _login_throttle)
MEASURES: dict[str, Callable[[], str]] = {
    "nik_audit": _nik_audit,
    "downloads": _downloads,
    "restriction": _restriction,
    "batch_file": _batch_file,
    "dci_signatures": _dci_signatures,
    "api_tokens": _api_tokens,
    "public_check": _public_check,
    "backup_encryption": _backup_encryption,
    "audit_append_only": _audit_append_only,
    "nik_hash": _nik_hash,
}


def undescribed_tables() -> list[str]:
    """Tables about a person that no activity names (for the register's test)."""
    named = {label for activity in ACTIVITIES for label in activity.tables}
    return [label for label in tables_about_people() if label not in named]
