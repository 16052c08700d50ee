"""The breach register (UU 27/2022, Art. 46): record an incident, find the people it affected from the audit log,
and follow its steps to the authority's notice, on the 3×24-hour clock (``pdp.clock``).

Every write checks ``Action.PDP_MANAGE`` and that the actor's region covers the incident's, runs in one
transaction and writes its audit entry. The letters' files are ``pdp.letters``'.

Finding the people affected (``breach_people_find``) is set-based: each criterion becomes one query on the
workers, inserted by ``INSERT ... SELECT`` into ``BreachAffected``; no list of workers passes through Python.

1. *Region*: the workers of a region (within the incident's region and the actor's scope: always applied).
2. *Time window*: the workers whose records someone viewed whole (``worker.nik_viewed``), changed or registered
   (any entry naming a worker, an heir, an enrolment or a claim) in the window, and those of every export in
   the window (3). The system's own runs (no actor: the nightly lapses, the retention run) are not counted.
3. *Export*: the workers an audited export held. A BPJS batch, its download and an invoice name the rows they
   held (the batch's enrolments, the invoice's lines): exact. The worker list's CSV names only its filter: it is
   re-run with today's records, as the exporter's region sees them, keeping only the workers registered by the
   export's moment. A worker since moved, re-categorised or re-enrolled may be counted wrongly, and a searched
   NIK was logged masked, so every NIK with the same first four and last six digits is counted: the search errs
   towards notifying. An upload's error file holds rejected rows that never entered the registry: nobody to
   find, and the incident says so (``affected_note``).
4. *User*: what that account viewed, changed or exported (any time, or within the window when given).

Anonymised workers are left out: nothing personal is left of them to leak, nor an address to write to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import RegionScope, scope_of
from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record
from lindung.claims.models import Claim
from lindung.contributions.models import InvoiceLine
from lindung.enrolments.models import Enrolment
from lindung.enrolments.selectors import WorkerListFilters, worker_list_by_enrolment
from lindung.errors import RefusedStep
from lindung.pdp import clock
from lindung.pdp.models import Breach, BreachAffected, BreachStatus, DataKind, LettersStatus
from lindung.regions.codes import is_within
from lindung.regions.models import Region
from lindung.workers.models import Heir, Worker

# How far before the deadline the pages warn that it comes soon.
DUE_SOON = dt.timedelta(hours=24)
# Exports of workers' data, and what each names (``lindung.workers.services``, ``enrolments.bpjs``,
# ``contributions.documents``).
EXPORT_ACTIONS = ("worker.exported", "bpjs.exported", "invoice.exported")


# --- the clock ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BreachClock:
    """Where an incident stands on its 3×24-hour clock. ``state``: ``running``, ``due_soon``, ``overdue`` while
    the authority is not notified; ``met`` or ``late`` once it is (the clock stops)."""

    due_at: dt.datetime
    state: str
    left: dt.timedelta  # negative once overdue; from the notice once notified

    @property
    def warns(self) -> bool:
        return self.state in ("due_soon", "overdue", "late")

    @property
    def hours_left(self) -> int:
        return int(self.left.total_seconds() // 3600)


def breach_clock(breach: Breach, *, now: dt.datetime | None = None) -> BreachClock:
    if breach.authority_notified_at is not None:
        left = breach.due_at - breach.authority_notified_at
        return BreachClock(breach.due_at, "met" if left >= dt.timedelta(0) else "late", left)
    if breach.status == BreachStatus.CLOSED:
        # Closed without a notice to the authority (a false alarm): nothing runs any more.
        return BreachClock(breach.due_at, "closed", dt.timedelta(0))
    left = breach.due_at - (now or timezone.now())
    if left < dt.timedelta(0):
        return BreachClock(breach.due_at, "overdue", left)
    return BreachClock(breach.due_at, "due_soon" if left <= DUE_SOON else "running", left)


# --- reading ---------------------------------------------------------------------------------------------------


def breaches_visible(user: User) -> QuerySet[Breach]:
    """The incidents ``user`` may read: those of their region and below, and those of a region containing theirs
    (a province's incident concerns a regency's people too; the regency reads only its own counts)."""
    require(user, Action.PDP_MANAGE)
    return Breach.objects.filter(scope_of(user).code_q("region_code", with_ancestors=True)).select_related(
        "recorded_by"
    )


def breach_get(user: User, breach_id: int) -> Breach:
    try:
        return breaches_visible(user).get(pk=breach_id)
    except Breach.DoesNotExist:
        raise Http404 from None


def affected_visible(user: User, breach: Breach) -> QuerySet[BreachAffected]:
    """The people of ``breach`` in ``user``'s region: a regency's officer never reads another regency's."""
    return BreachAffected.objects.filter(scope_of(user).q(), breach=breach)


@dataclass(frozen=True)
class VillageCount:
    code: str
    name: str
    district: str
    regency: str
    count: int


def breach_counts_by_village(user: User, breach: Breach) -> list[VillageCount]:
    """The people affected in each village of ``user``'s region, by code: one grouped query and one for names."""
    rows = list(
        affected_visible(user, breach)
        .values("village_id")
        .annotate(count=Count("pk"))
        .order_by("village_id")
        .values_list("village_id", "count")
    )
    names = _region_names({code for code, _count in rows})
    return [
        VillageCount(
            code=code,
            name=names.get(code, code),
            district=names.get(code.rsplit(".", 1)[0], ""),
            regency=names.get(code[:5], ""),
            count=count,
        )
        for code, count in rows
    ]


def breach_counts_by_regency(user: User, breach: Breach) -> list[tuple[str, str, int]]:
    """(code, name, count) for each regency/city of ``user``'s region with people affected."""
    rows = list(
        affected_visible(user, breach)
        .values("regency_code")
        .annotate(count=Count("pk"))
        .order_by("regency_code")
        .values_list("regency_code", "count")
    )
    names = dict(Region.objects.filter(code__in=[code for code, _ in rows]).values_list("code", "name"))
    return [(code, names.get(code, code), count) for code, count in rows]


def _region_names(villages: Iterable[str]) -> dict[str, str]:
    """The names of the villages and of their districts and regencies, in one query."""
    codes: set[str] = set()
    for code in villages:
        codes |= {code, code.rsplit(".", 1)[0], code[:5]}
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def data_kind_labels(breach: Breach) -> list[str]:
    labels = dict(DataKind.choices)
    return [str(labels[kind]) for kind in DataKind.values if kind in breach.data_kinds]


# --- recording -------------------------------------------------------------------------------------------------


def breach_record(
    *,
    actor: User,
    what: str,
    how: str = "",
    found_at: dt.datetime,
    occurred_from: dt.datetime | None = None,
    occurred_to: dt.datetime | None = None,
    systems: str,
    data_kinds: Sequence[str],
    remedy: str,
    contact: str,
    now: dt.datetime | None = None,
) -> Breach:
    """Record an incident; its clock starts at ``found_at`` (the moment it was found, not recorded)."""
    require(actor, Action.PDP_MANAGE)
    now = now or timezone.now()
    region = actor.region_id or ""
    if not region and not actor.is_superuser:
        raise PermissionDenied("an account without a region records no incident")
    what, how, systems, remedy, contact = (text.strip() for text in (what, how, systems, remedy, contact))
    kinds = [kind for kind in DataKind.values if kind in set(data_kinds)]
    errors: dict[str, list[str]] = {}
    for field, value, sentence in (
        ("what", what, gettext("Say what happened.")),
        ("systems", systems, gettext("Name the systems concerned.")),
        ("remedy", remedy, gettext("Say what has been done and what the people can do: the letters tell them.")),
        ("contact", contact, gettext("Say whom the people can contact: the letters tell them.")),
    ):
        if not value:
            errors[field] = [sentence]
    if not kinds or len(kinds) != len(set(data_kinds)):
        errors["data_kinds"] = [gettext("Choose the kinds of data concerned.")]
    if found_at.tzinfo is None or found_at > now + dt.timedelta(minutes=5):
        errors["found_at"] = [gettext("The moment it was found cannot be in the future.")]
    if occurred_from and occurred_to and occurred_to < occurred_from:
        errors["occurred_to"] = [gettext("The end comes after the start.")]
    if occurred_from and occurred_from > found_at:
        errors["occurred_from"] = [gettext("It happened before it was found.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        breach = Breach.objects.create(
            what=what,
            how=how,
            found_at=found_at,
            due_at=clock.due_at(found_at),
            occurred_from=occurred_from,
            occurred_to=occurred_to,
            systems=systems,
            data_kinds=kinds,
            remedy=remedy,
            contact=contact,
            region_code=region,
            recorded_at=now,
            recorded_by=actor,
        )
        audit_record(
            actor=actor,
            action="pdp.breach_recorded",
            obj=breach,
            region_code=region,
            changes={"found_at": [None, found_at.isoformat()], "data_kinds": [None, kinds]},
        )
    return breach


def breach_reading_check(actor: User, breach: Breach) -> None:
    """The incident is one ``actor`` may read (else it is absent: 404)."""
    if not breaches_visible(actor).filter(pk=breach.pk).exists():
        raise Http404


def breach_acting_check(actor: User, breach: Breach) -> None:
    """Only those whose region covers the incident's act on it; the others read their part."""
    breach_reading_check(actor, breach)
    if not scope_of(actor).covers(breach.region_code):
        raise PermissionDenied("the incident belongs to a wider region than the actor's")


# --- finding the people ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """The affected set's definition; every criterion given narrows it."""

    region: str = ""
    window_from: dt.datetime | None = None
    window_to: dt.datetime | None = None
    username: str = ""
    export: AuditEntry | None = None

    @property
    def empty(self) -> bool:
        return not (self.region or self.window_from or self.username or self.export)


def breach_people_find(*, actor: User, breach: Breach, criteria: Criteria) -> Breach:
    """Find the people ``breach`` affected by ``criteria`` and keep them (replacing an earlier search's), until the
    letters are made: after that, the letters would no longer match the set."""
    breach_acting_check(actor, breach)
    _criteria_check(actor, breach, criteria)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.status not in (BreachStatus.RECORDED, BreachStatus.PEOPLE_FOUND) or breach.letters_status in (
            LettersStatus.QUEUED,
            LettersStatus.RUNNING,
        ):
            raise RefusedStep(
                gettext("The letters of this incident are made: record a new incident for people found later.")
            )
        BreachAffected.objects.filter(breach=breach).delete()
        notes = _people_insert(actor, breach, criteria)
        now = timezone.now()
        breach.affected_region = criteria.region
        breach.affected_from, breach.affected_to = criteria.window_from, criteria.window_to
        breach.affected_username = criteria.username
        breach.affected_export = criteria.export
        breach.affected_note = "\n".join(dict.fromkeys(notes))
        breach.affected_count = BreachAffected.objects.filter(breach=breach).count()
        breach.people_found_at = now
        breach.status = BreachStatus.PEOPLE_FOUND
        breach.letters_status = LettersStatus.NONE
        breach.save()
        audit_record(
            actor=actor,
            action="pdp.breach_people_found",
            obj=breach,
            region_code=breach.region_code,
            changes={
                "criteria": [None, _criteria_logged(criteria)],
                "count": [None, breach.affected_count],
            },
            note=breach.affected_note,
        )
    return breach


def _criteria_check(actor: User, breach: Breach, criteria: Criteria) -> None:
    if criteria.empty:
        raise RefusedStep(gettext("Give at least one criterion: a region, a time window, an export or a user."))
    if (criteria.window_from is None) != (criteria.window_to is None):
        raise RefusedStep(gettext("A time window has a start and an end."), field="window_from")
    if criteria.window_from and criteria.window_to and criteria.window_to <= criteria.window_from:
        raise RefusedStep(gettext("The end comes after the start."), field="window_to")
    if criteria.region:
        if not Region.objects.filter(code=criteria.region).exists():
            raise RefusedStep(gettext("There is no region with this code."), field="region")
        within = not breach.region_code or is_within(criteria.region, breach.region_code)
        if not (within and scope_of(actor).covers(criteria.region)):
            raise RefusedStep(gettext("This region lies outside the incident's."), field="region")
    if criteria.username and not User.objects.filter(username=criteria.username).exists():
        raise RefusedStep(gettext("There is no account with this name."), field="username")
    if criteria.export is not None and criteria.export.action not in EXPORT_ACTIONS:
        raise RefusedStep(gettext("This audit entry is not an export."), field="export")


def _criteria_logged(criteria: Criteria) -> dict[str, Any]:
    return {
        "region": criteria.region,
        "from": criteria.window_from.isoformat() if criteria.window_from else None,
        "to": criteria.window_to.isoformat() if criteria.window_to else None,
        "user": criteria.username,
        "export": criteria.export.pk if criteria.export else None,
    }


def _people_insert(actor: User, breach: Breach, criteria: Criteria) -> list[str]:
    """Insert the people ``criteria`` select into ``breach``'s set; the limits met, as sentences."""
    # An incident recorded by an installation-wide account (no region) reaches the whole installation.
    base = Worker.objects.filter(
        scope_of(actor).q(), RegionScope(code=breach.region_code or None).q(), anonymised_on__isnull=True
    )
    if criteria.region:
        base = base.filter(RegionScope(code=criteria.region).q())
    notes: list[str] = []
    if not (criteria.window_from or criteria.username or criteria.export):
        _insert(breach, base)
        return notes
    if criteria.export is not None:
        exported, note = _export_workers(criteria.export)
        if note:
            notes.append(note)
        if exported is not None:
            _insert(breach, base.filter(pk__in=exported.values("pk")))
        if not (criteria.window_from or criteria.username):
            return notes
    entries = AuditEntry.objects.exclude(actor_username="")
    if criteria.window_from and criteria.window_to:
        entries = entries.filter(at__gte=criteria.window_from, at__lt=criteria.window_to)
    if criteria.username:
        entries = entries.filter(actor_username=criteria.username)
    _insert(breach, base.filter(_touched(entries)))
    for entry in entries.filter(action__in=EXPORT_ACTIONS).order_by("at", "pk").iterator():
        exported, note = _export_workers(entry)
        if note:
            notes.append(note)
        if exported is not None:
            _insert(breach, base.filter(pk__in=exported.values("pk")))
    return notes


def _object_ids(entries: QuerySet[AuditEntry], object_type: str) -> Any:
    # The log keeps ids as text; each of these types has integer keys.
    return (
        entries.filter(object_type=object_type)
        .annotate(object_key=Cast("object_id", BigIntegerField()))
        .values("object_key")
    )


def _touched(entries: QuerySet[AuditEntry]) -> Q:
    """The workers whose records the entries name: the worker, or an heir, enrolment or claim of theirs."""
    return (
        Q(pk__in=_object_ids(entries, "workers.worker"))
        | Q(pk__in=Heir.objects.filter(pk__in=_object_ids(entries, "workers.heir")).values("worker_id"))
        | Q(pk__in=Enrolment.objects.filter(pk__in=_object_ids(entries, "enrolments.enrolment")).values("worker_id"))
        | Q(pk__in=Claim.objects.filter(pk__in=_object_ids(entries, "claims.claim")).values("worker_id"))
    )


def _export_workers(entry: AuditEntry) -> tuple[QuerySet[Worker] | None, str]:
    """The workers an export held (see the module's 3.), or ``None`` and why they cannot be known."""
    changes = entry.changes or {}
    moment = timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M")
    if entry.object_type == "enrolments.bpjsbatch" and entry.object_id.isdigit():
        return Worker.objects.filter(enrolments__batch_id=int(entry.object_id)), ""
    if entry.object_type == "contributions.invoice" and entry.object_id.isdigit():
        lines = InvoiceLine.objects.filter(invoice_id=int(entry.object_id)).values("worker_id")
        return Worker.objects.filter(pk__in=lines), ""
    if "import_errors" in changes:
        return None, gettext(
            "The error file downloaded at %(moment)s holds rows an upload rejected: they never entered the "
            "registry, and only the upload's error file names them."
        ) % {"moment": moment}
    if "filter" in changes:
        return _worker_list_again(entry, changes["filter"][1] or {}, moment)
    return None, gettext("The export of %(moment)s names no rows Lindung can find again.") % {"moment": moment}


def _worker_list_again(entry: AuditEntry, logged: dict[str, Any], moment: str) -> tuple[QuerySet[Worker] | None, str]:
    """The worker list's CSV re-run: its filter, the exporter's region, the workers registered by then."""
    exporter = User.objects.filter(pk=entry.actor_id).first() if entry.actor_id else None
    if exporter is None:
        return None, gettext("The account that exported at %(moment)s no longer exists.") % {"moment": moment}
    # A deactivated account's scope is empty; its region is what the export saw (as far as today's records say).
    exporter.is_active = True
    programme = str(logged.get("programme") or "")
    filters = WorkerListFilters(
        regency=str(logged.get("regency") or ""),
        category=str(logged.get("category") or ""),
        status=str(logged.get("status") or ""),
        programme=int(programme) if programme.isdigit() else None,
    )
    workers = worker_list_by_enrolment(user=exporter, q=str(logged.get("q") or ""), filters=filters)
    note = gettext(
        "The worker list exported at %(moment)s was found again by its filter with today's records: a worker "
        "moved or changed since may be counted wrongly."
    ) % {"moment": moment}
    return workers.filter(created_at__lte=entry.at).order_by(), note


def _insert(breach: Breach, workers: QuerySet[Worker]) -> None:
    """``INSERT ... SELECT`` the workers into the incident's set; those already in it are skipped."""
    select = (
        workers.order_by()
        .annotate(breach_key=Value(breach.pk))
        .values_list("pk", "province_code", "regency_code", "village_id", "breach_key")
    )
    sql, params = select.query.sql_with_params()
    table = BreachAffected._meta.db_table
    # The outer SELECT with a WHERE: SQLite reads ``ON CONFLICT`` after a bare join as the join's own clause.
    statement = (
        f"INSERT INTO {table} (worker_id, province_code, regency_code, village_code, breach_id) "  # noqa: S608 - our SQL
        f"SELECT * FROM ({sql}) AS chosen WHERE true ON CONFLICT (breach_id, worker_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


# --- the later steps ---------------------------------------------------------------------------------------------


def breach_authority_notified(*, actor: User, breach: Breach, at: dt.datetime, reference: str) -> Breach:
    """Record that the authority was sent the report (at ``at``): the clock stops there."""
    breach_acting_check(actor, breach)
    reference = reference.strip()
    if at.tzinfo is None or at > timezone.now() + dt.timedelta(minutes=5):
        raise RefusedStep(gettext("The moment of the notice cannot be in the future."), field="at")
    if at < breach.found_at:
        raise RefusedStep(gettext("The notice comes after the incident was found."), field="at")
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.status != BreachStatus.LETTERS_PRODUCED:
            raise RefusedStep(gettext("Produce the letters to the people first: the report counts them."))
        breach.status, breach.authority_notified_at, breach.authority_reference = (
            BreachStatus.AUTHORITY_NOTIFIED,
            at,
            reference,
        )
        breach.save(update_fields=["status", "authority_notified_at", "authority_reference"])
        audit_record(
            actor=actor,
            action="pdp.breach_authority_notified",
            obj=breach,
            region_code=breach.region_code,
            changes={"at": [None, at.isoformat()], "reference": [None, reference]},
        )
    return breach


def breach_close(*, actor: User, breach: Breach, note: str) -> Breach:
    """Close an incident: after the authority's notice, or at any step for a false alarm (say why)."""
    breach_acting_check(actor, breach)
    note = note.strip()
    if not note:
        raise RefusedStep(gettext("Say why the incident is closed."), field="note")
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.status == BreachStatus.CLOSED:
            raise RefusedStep(gettext("This incident is closed already."))
        if breach.letters_status in (LettersStatus.QUEUED, LettersStatus.RUNNING):
            raise RefusedStep(gettext("The letters are being written: close the incident when they are done."))
        before = breach.status
        breach.status, breach.closed_at, breach.close_note = BreachStatus.CLOSED, timezone.now(), note
        breach.save(update_fields=["status", "closed_at", "close_note"])
        audit_record(
            actor=actor,
            action="pdp.breach_closed",
            obj=breach,
            region_code=breach.region_code,
            changes={"status": [before, BreachStatus.CLOSED]},
            note=note,
        )
    return breach
