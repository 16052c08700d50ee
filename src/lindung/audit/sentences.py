"""An audit entry as a sentence in the reader's language: "Diaktifkan oleh petugas_bpjs, nomor KPJ 12345678901,
mulai 1 Mar 2026".

The log stores codes (``enrolment.activated``) and values as the code knows them ({field: [before, after]},
``"jkm"``, ``true``, ``"2026-03-01"``); people read neither. Each kind of entry has its sentence here, and each
changed field is named by its model's verbose name with its values as the pages show them: a choice by its label,
a date in the day format, a yes/no as words, money in rupiah. Nothing personal is spelled out: a NIK (or any run
of 16 digits) is masked, and a private field (birth date, address, the mother's name...) is only said to have
changed. The models are found by the entry's ``object_type`` through the app registry, so the log (below the apps
in the layers) names no app of theirs.

Rendered when called: the language active then is the one used (the page's, not the writer's).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext

from lindung import numbers
from lindung.audit.models import AuditEntry

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as StrPromise

_ = gettext_lazy

# Decision 0013: a masked NIK shows its first four and last six digits. Any 16-digit run in a value is taken for
# a NIK (or a family-card number, masked alike), whatever the field: an old entry may hold one whole.
_SIXTEEN_DIGITS = re.compile(r"(?<![0-9])([0-9]{4})[0-9]{6}([0-9]{6})(?![0-9])")
# Said to have changed, never with their values: personal details, secrets, and values that mean nothing to a
# reader (a file's hash, a filter's internals).
_PRIVATE = frozenset(
    {"birth_date", "address", "phone", "mother_maiden_name", "kk_number", "password", "sha256", "filter", "nik"}
)


@dataclass(frozen=True)
class Kind:
    """One kind of entry: its sentence (``%(actor)s`` is who acted) and the fields worth naming in it.

    ``fields``: the changed fields named, in this order (None: every changed field, by name). ``implied``: fields
    the sentence already says (the status of a step), left out.
    """

    headline: StrPromise
    fields: tuple[str, ...] | None = None
    implied: frozenset[str] = field(default_factory=frozenset)


_STATUS = frozenset({"status"})
_NOTHING: tuple[str, ...] = ()

KINDS: dict[str, Kind] = {
    # The registry of workers.
    "worker.registered": Kind(_("Registered by %(actor)s"), ("name", "village", "occupation")),
    "worker.changed": Kind(_("Changed by %(actor)s")),
    "worker.nik_viewed": Kind(_("Whole NIK viewed by %(actor)s"), _NOTHING),
    "worker.exported": Kind(_("Worker list downloaded by %(actor)s"), ("rows", "bpjs_batch", "import_errors")),
    # Enrolments.
    "enrolment.proposed": Kind(_("Proposed by %(actor)s"), ("programme",), _STATUS),
    "enrolment.verified": Kind(_("Verified by %(actor)s"), None, _STATUS),
    "enrolment.rejected": Kind(_("Rejected by %(actor)s"), None, _STATUS),
    "enrolment.sent": Kind(_("Sent to BPJS by %(actor)s"), None, _STATUS),
    "enrolment.activated": Kind(_("Activated by %(actor)s"), None, _STATUS),
    "enrolment.rejected_by_bpjs": Kind(_("Rejected by BPJS, recorded by %(actor)s"), None, _STATUS),
    "enrolment.reproposed": Kind(_("Proposed again by %(actor)s"), None, _STATUS),
    "enrolment.ended": Kind(_("Ended by %(actor)s"), None, _STATUS),
    "enrolment.lapsed": Kind(_("Lapsed for arrears, recorded by %(actor)s"), None, _STATUS),
    "bpjs.exported": Kind(_("Batch file for BPJS made by %(actor)s"), ("batch", "rows")),
    # Claims.
    "claim.registered": Kind(_("Claim reported by %(actor)s"), ("type", "covered")),
    "claim.documents": Kind(_("Documents received recorded by %(actor)s")),
    "claim.documents_complete": Kind(_("Documents complete, recorded by %(actor)s"), None, _STATUS),
    "claim.submitted": Kind(_("Submitted to BPJS by %(actor)s"), None, _STATUS),
    "claim.paid": Kind(_("Payment by BPJS recorded by %(actor)s"), None, _STATUS),
    "claim.rejected": Kind(_("Rejection by BPJS recorded by %(actor)s"), None, _STATUS),
    "heir.added": Kind(_("Heir added by %(actor)s")),
    # Contributions.
    "invoice.built": Kind(_("Invoice built by %(actor)s")),
    "invoice.issued": Kind(_("Invoice issued by %(actor)s"), None, _STATUS),
    "invoice.exported": Kind(_("Invoice downloaded by %(actor)s")),
    "payment.recorded": Kind(_("Payment recorded by %(actor)s"), ("amount", "paid_on", "reference", "allocations")),
    "payment.reversed": Kind(_("Payment reversed by %(actor)s"), _NOTHING),
    # Programmes.
    "programme.created": Kind(_("Programme created by %(actor)s"), ("code", "name", "coverage_start", "coverage_end")),
    "programme.changed": Kind(_("Programme changed by %(actor)s")),
    "regencyquota.created": Kind(_("Regency quota set by %(actor)s"), ("regency", "quota")),
    "regencyquota.changed": Kind(_("Regency quota changed by %(actor)s"), ("regency", "quota")),
    "regencyquota.deleted": Kind(_("Regency quota removed by %(actor)s"), ("regency",)),
    "bpjsoffice.changed": Kind(_("BPJS office details changed by %(actor)s")),
    # Imports, reports, the dashboard.
    "import.queued": Kind(_("File uploaded for import by %(actor)s"), ("file_name", "programme")),
    "import.completed": Kind(_("Import of %(actor)s finished")),
    "import.failed": Kind(_("Import of %(actor)s failed"), _NOTHING),
    "report.exported": Kind(_("Report downloaded by %(actor)s"), ("rows",)),
    "dashboard.refreshed": Kind(_("Dashboard figures refreshed by %(actor)s"), ("as_of",)),
    "public.coverage_checked": Kind(_("Coverage checked on the public page"), _NOTHING),
    "coverage.checked": Kind(_("Coverage on a day checked by %(actor)s"), _NOTHING),
    # Accounts and signing in.
    "account.logged_in": Kind(_("%(actor)s signed in"), _NOTHING),
    "account.logged_out": Kind(_("%(actor)s signed out"), _NOTHING),
    "account.login_failed": Kind(_("Failed sign-in"), _NOTHING),
    "account.login_code_failed": Kind(_("Failed sign-in: wrong code"), _NOTHING),
    "account.login_backoff_started": Kind(_("Sign-ins held after repeated failures"), _NOTHING),
    "account.address_blocked": Kind(_("An address held after too many failed sign-ins"), _NOTHING),
    "account.locked": Kind(_("Sign-ins locked after too many failures"), _NOTHING),
    "account.unlocked": Kind(_("Sign-ins unlocked by %(actor)s"), _NOTHING),
    "account.created": Kind(_("Account created by %(actor)s"), ("username", "role", "region")),
    "account.changed": Kind(_("Account changed by %(actor)s")),
    "account.activated": Kind(_("Account activated by %(actor)s"), _NOTHING),
    "account.deactivated": Kind(_("Account deactivated by %(actor)s"), _NOTHING),
    "account.password_changed": Kind(_("Password changed by %(actor)s"), _NOTHING),
    "account.password_reset": Kind(_("Password reset by %(actor)s"), _NOTHING),
    "account.2fa_enabled": Kind(_("Two-factor login turned on by %(actor)s"), _NOTHING),
    "account.2fa_disabled": Kind(_("Two-factor login turned off by %(actor)s"), _NOTHING),
    "account.2fa_reset": Kind(_("Two-factor login reset by %(actor)s"), _NOTHING),
    "account.2fa_recovery_codes_renewed": Kind(_("New recovery codes made by %(actor)s"), _NOTHING),
    "account.2fa_recovery_code_used": Kind(_("Signed in with a recovery code by %(actor)s"), _NOTHING),
    # The API's clients and tokens.
    "api_client.created": Kind(_("API client registered by %(actor)s"), ("name", "scopes", "rate_limit_per_minute")),
    "api_client.revoked": Kind(_("API client revoked by %(actor)s"), _NOTHING),
    "api_token.created": Kind(_("Personal API token made by %(actor)s"), ("name", "scopes", "days")),
    "api_token.revoked": Kind(_("Personal API token revoked by %(actor)s"), _NOTHING),
    # The installation.
    "backup.created": Kind(_("Backup made by %(actor)s"), _NOTHING),
    "backup.restored": Kind(_("Backup restored by %(actor)s"), _NOTHING),
    "demo.loaded": Kind(_("Demonstration data loaded by %(actor)s"), _NOTHING),
    "rules.loaded": Kind(_("Rules loaded by %(actor)s"), _NOTHING),
    # The personal-data duties (UU 27/2022): counts only, never the people.
    "pdp.retention.never_enrolled": Kind(_("Workers never proposed anonymised by %(actor)s"), ("count", "as_of")),
    "pdp.retention.rejected_proposal": Kind(
        _("Workers with rejected proposals anonymised by %(actor)s"), ("count", "as_of")
    ),
    "pdp.retention.ended_enrolment": Kind(
        _("Workers whose enrolments ended anonymised by %(actor)s"), ("count", "as_of")
    ),
    "pdp.retention.claim": Kind(_("Claims anonymised by %(actor)s"), ("count", "as_of")),
    "pdp.legal_hold_set": Kind(_("Legal hold set by %(actor)s"), ("reason",)),
    "pdp.legal_hold_lifted": Kind(_("Legal hold lifted by %(actor)s"), ("reason",)),
    # The requests of the person (``pdp.person_requests``).
    "pdp.request_registered": Kind(_("Request of the person registered by %(actor)s"), ("kind",)),
    "pdp.identity_mismatch": Kind(_("Identity check for a request failed, by %(actor)s"), _NOTHING),
    "pdp.request_done": Kind(_("Request of the person answered by %(actor)s"), ("kind", "resolution")),
    "pdp.request_refused": Kind(_("Request of the person refused by %(actor)s"), ("kind",)),
    "pdp.access_produced": Kind(_("Access document made for the person by %(actor)s"), ("format",)),
    "pdp.restricted": Kind(_("Processing restricted by %(actor)s"), ("reason",)),
    "pdp.restriction_lifted": Kind(_("Restriction of processing lifted by %(actor)s"), ("reason",)),
    # The breach register (``lindung.pdp.breach``): the incident's steps, and its letters and report handed out.
    "pdp.breach_recorded": Kind(_("Personal data breach recorded by %(actor)s"), _NOTHING),
    "pdp.breach_people_found": Kind(_("People affected by a breach found by %(actor)s"), ("count",)),
    "pdp.breach_letters_requested": Kind(_("Breach letters asked for by %(actor)s"), ("count",)),
    "pdp.breach_letters_produced": Kind(_("Breach letters produced for %(actor)s"), ("count",)),
    "pdp.breach_letters_exported": Kind(_("A village's breach letters downloaded by %(actor)s"), ("rows",)),
    "pdp.breach_letter_exported": Kind(_("A person's breach letter downloaded by %(actor)s"), _NOTHING),
    "pdp.breach_report_exported": Kind(_("Breach report to the authority downloaded by %(actor)s"), ("count",)),
    "pdp.breach_authority_notified": Kind(_("Notice of a breach to the authority recorded by %(actor)s"), _NOTHING),
    "pdp.breach_closed": Kind(_("Personal data breach closed by %(actor)s"), _NOTHING),
}

# The writes of the administration pages (``lindung.admin_mixins``): ``<model>.created``, ``.changed``, ``.deleted``.
_ADMIN_VERBS: dict[str, StrPromise] = {
    "created": _("%(object)s created by %(actor)s"),
    "changed": _("%(object)s changed by %(actor)s"),
    "deleted": _("%(object)s deleted by %(actor)s"),
}

# Keys that are no model field of the entry's object, named for the reader.
_KEY_LABELS: dict[str, StrPromise] = {
    "rows": _("rows"),
    "batch": _("batch number"),
    "bpjs_batch": _("BPJS batch"),
    "file_name": _("file"),
    "format": _("format"),
    "lines": _("workers billed"),
    "import_errors": _("errors of import"),
    "heirs": _("heirs"),
    "likely_duplicates_confirmed": _("look-alikes confirmed"),
    "two_factor": _("two-factor login"),
    "as_of": _("figures as of"),
    "allocations": _("paid for"),
    "regency": _("regency/city"),
    "programme": _("programme"),
    "reversed": _("reversed"),
    "count": _("count"),
    "pdp_request": _("request of the person"),
    "reason": _("reason"),
}

# Foreign keys whose entries record the row's number, not its key: a BPJS batch by its number in the programme.
_NUMBERS_NOT_KEYS = frozenset({"batch"})

# Fields with a phrase of their own, where "field: value" would read stiffly; ``%(value)s`` is the new value.
_PHRASES: dict[str, StrPromise] = {
    "kpj": _("KPJ number %(value)s"),
    "coverage_start": _("from %(value)s"),
    "coverage_end": _("until %(value)s"),
    "rejection_reason": _("reason: %(value)s"),
    "end_reason": _("reason: %(value)s"),
}

# Where every changed field is named, these come first, in this order (the ones a reader looks for); then the others
# by name.
_LEAD = ("kpj", "coverage_start", "coverage_end", "end_reason", "rejection_reason")

Show = Callable[[Any], Any]

# The families of kinds, by the start of their codes, for the audit page's filter.
FAMILIES: dict[str, StrPromise] = {
    "worker.": _("Workers"),
    "enrolment.": _("Enrolments"),
    "bpjs.": _("BPJS batches"),
    "claim.": _("Claims"),
    "heir.": _("Heirs"),
    "invoice.": _("Invoices"),
    "payment.": _("Payments"),
    "programme.": _("Programmes"),
    "regencyquota.": _("Regency quotas"),
    "bpjsoffice.": _("BPJS offices"),
    "import.": _("Imports"),
    "report.": _("Reports"),
    "dashboard.": _("Dashboard"),
    "public.": _("Public coverage check"),
    "account.": _("Accounts and sign-ins"),
    "backup.": _("Backups"),
    "demo.": _("Demonstration data"),
    "rules.": _("Rules"),
    "pdp.": _("Personal data"),
}


def kind_choices() -> list[tuple[str, Any]]:
    """The audit filter's choices: each family (all its kinds), then its kinds by their sentence, "…" for who."""
    choices: list[tuple[str, Any]] = [("", gettext("Every kind"))]
    for prefix, family in FAMILIES.items():
        kinds = [
            (code, capfirst(str(kind.headline) % {"actor": "…"}))
            for code, kind in KINDS.items()
            if code.startswith(prefix)
        ]
        choices.append((str(family), [(prefix, gettext("All of them")), *kinds]))
    return choices


def entry_sentence(entry: AuditEntry, *, values: Mapping[str, Show] | None = None) -> str:
    """The entry in one sentence, without a final stop. ``values`` turns a field's stored values into words where
    the model alone cannot (a claim's document codes into their names)."""
    return _Describer(values or {}).sentence(entry)


def entry_sentences(entries: Iterable[AuditEntry], *, values: Mapping[str, Show] | None = None) -> list[dict[str, Any]]:
    """Rows for ``templates/_history.html`` and the audit page: ``{"entry": entry, "sentence": str}``. One
    describer for all, so that a region or a programme named in many entries is looked up once."""
    describer = _Describer(values or {})
    return [{"entry": entry, "sentence": describer.sentence(entry)} for entry in entries]


class _Describer:
    def __init__(self, values: Mapping[str, Show]) -> None:
        self._values = values
        self._related: dict[tuple[type[models.Model], str, str], str] = {}

    def sentence(self, entry: AuditEntry) -> str:
        model = _model(entry.object_type)
        actor = entry.actor_username or gettext("the system")
        kind = KINDS.get(entry.action)
        if kind is None:
            kind = _fallback(entry.action, model)
        headline = str(kind.headline) % {"actor": actor, "object": _model_name(model)}
        details = self._details(entry, model, kind)
        if entry.channel:  # ``api client:ID`` / ``api token:ID`` (``audit.channel``)
            details.append(gettext("through the API (%(channel)s)") % {"channel": entry.channel.removeprefix("api ")})
        return capfirst(", ".join([headline, *details]))

    def _details(self, entry: AuditEntry, model: type[models.Model] | None, kind: Kind) -> list[str]:
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        names = [n for n in changes if n not in kind.implied]
        if kind.fields is not None:
            names = [n for n in kind.fields if n in names]
        else:
            names.sort(key=lambda name: (_LEAD.index(name) if name in _LEAD else len(_LEAD), name))
        details = []
        for name in names:
            value = changes[name]
            # {field: [before, after]}; a value recorded in another shape is taken for the new one.
            pair = isinstance(value, list | tuple) and len(value) == 2
            before, after = (value[0], value[1]) if pair else (None, value)
            detail = self._detail(name, before, after, model)
            if detail:
                details.append(detail)
        return details

    def _detail(self, name: str, before: Any, after: Any, model: type[models.Model] | None) -> str:
        model_field = _field(model, name)
        label = _label(name, model_field)
        if name in _PRIVATE:
            return gettext("%(field)s changed") % {"field": label}
        new = self._show(name, after, model_field)
        if _empty(before):
            if _empty(after):
                return ""
            phrase = _PHRASES.get(name)
            if phrase is not None:
                return str(phrase) % {"value": new}
            return gettext("%(field)s: %(value)s") % {"field": label, "value": new}
        old = self._show(name, before, model_field)
        if _empty(after):
            return gettext("%(field)s: %(before)s removed") % {"field": label, "before": old}
        if old == new:  # a list or a mapping that changed inside: say so without its contents
            return gettext("%(field)s changed") % {"field": label}
        return gettext("%(field)s: %(before)s → %(after)s") % {"field": label, "before": old, "after": new}

    def _show(self, name: str, value: Any, model_field: models.Field[Any, Any] | None) -> str:
        show = self._values.get(name)
        if show is not None:
            return _mask(str(show(value)))
        return _mask(self._plain(name, value, model_field))

    def _plain(self, name: str, value: Any, model_field: models.Field[Any, Any] | None) -> str:
        if isinstance(value, bool):
            return gettext("Yes") if value else gettext("No")
        if isinstance(value, list | tuple):
            return ngettext("%(count)s item", "%(count)s items", len(value)) % {"count": numbers.grouped(len(value))}
        if isinstance(value, dict):
            # {month: amount} of a payment's allocations, or any other mapping: its keys and values in words.
            money = name == "allocations"
            parts = []
            for key, item in value.items():
                shown = numbers.rupiah(item) if money and isinstance(item, int) else self._plain(name, item, None)
                parts.append(f"{self._plain(name, key, None)}: {shown}")
            return ", ".join(parts)
        if model_field is not None:
            choices = getattr(model_field, "flatchoices", None)
            if choices:
                return str(dict(choices).get(value, value))
            if isinstance(model_field, models.ForeignKey) and name not in _NUMBERS_NOT_KEYS:
                return self._related_name(model_field, value)
            if isinstance(model_field, models.DateTimeField):
                return _datetime(value)
            if isinstance(model_field, models.DateField):
                return _date(value)
            if isinstance(model_field, models.BigIntegerField) and isinstance(value, int):
                return numbers.rupiah(value)
        if isinstance(value, int):
            return numbers.grouped(value) if name in {"rows", "lines", "quota", "workers"} else str(value)
        if isinstance(value, str) and (month := _month_key(value)) is not None:
            return date_format(month, "YEAR_MONTH_FORMAT")
        if isinstance(value, str) and (day := parse_date(value) if len(value) == 10 else None) is not None:
            return date_format(day, "DATE_FORMAT")
        return str(value)

    def _related_name(self, model_field: models.ForeignKey[Any, Any], value: Any) -> str:
        """A region, a programme, an occupation by its name; the stored value when none is found. Services store
        either the key (a village's code) or the row's code (a programme's, an occupation's).

        Only reference tables are looked up (``_NAMED_TARGETS``): the log's reader may see an entry of their
        region that names a row they may not see (a worker moved away, another regency's enrolment), and the
        log is read without the rows' scope, so such a row is shown by its number, never by its name."""
        target = model_field.related_model
        if not isinstance(target, type) or value is None or target._meta.label_lower not in _NAMED_TARGETS:
            return str(value)
        cache_key = (target, model_field.name, str(value))
        if cache_key not in self._related:
            self._related[cache_key] = _find_by_key_or_code(target, model_field.target_field.name, value) or str(value)
        return self._related[cache_key]


# Tables of reference data, the same for every reader: named in a sentence. Any other row keeps its number.
_NAMED_TARGETS = frozenset({"regions.region", "programmes.programme", "workers.occupationcategory"})


def _find_by_key_or_code(target: type[models.Model], key_name: str, value: Any) -> str:
    for name in dict.fromkeys((key_name, "code")):
        key_field = _field(target, name)
        if key_field is None:
            continue
        try:
            key_field.to_python(value)  # a code where the key is a number is no key
        except (ValidationError, ValueError, TypeError):
            continue
        found = target._default_manager.filter(**{name: value}).first()
        if found is not None:
            return str(found)
    return ""


def _fallback(action: str, model: type[models.Model] | None) -> Kind:
    verb = action.rpartition(".")[2]
    if verb in _ADMIN_VERBS and model is not None:
        return Kind(_ADMIN_VERBS[verb])
    return Kind(_("Recorded by %(actor)s"))


def _model(object_type: str) -> type[models.Model] | None:
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _model_name(model: type[models.Model] | None) -> str:
    return capfirst(str(model._meta.verbose_name)) if model is not None else pgettext("audit", "record")


def _field(model: type[models.Model] | None, name: str) -> models.Field[Any, Any] | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def _label(name: str, model_field: models.Field[Any, Any] | None) -> str:
    if name in _KEY_LABELS and (model_field is None or name in {"programme", "regency"}):
        return capfirst(str(_KEY_LABELS[name]))
    if model_field is not None:
        return capfirst(str(model_field.verbose_name))
    return capfirst(name.replace("_", " "))


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _mask(text: str) -> str:
    return _SIXTEEN_DIGITS.sub(lambda m: m.group(1) + "*" * 6 + m.group(2), text)


def _date(value: Any) -> str:
    day = value if isinstance(value, dt.date) else parse_date(str(value)) if value else None
    return date_format(day, "DATE_FORMAT") if day is not None else str(value)


def _datetime(value: Any) -> str:
    moment = value if isinstance(value, dt.datetime) else parse_datetime(str(value)) if value else None
    if moment is None:
        return _date(value)
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return date_format(moment, "DATETIME_FORMAT")


_MONTH_KEY = re.compile(r"^([0-9]{4})-([0-9]{2})$")


def _month_key(value: str) -> dt.date | None:
    match = _MONTH_KEY.match(value)
    if match is None:
        return None
    try:
        return dt.date(int(match.group(1)), int(match.group(2)), 1)
    except ValueError:
        return None
