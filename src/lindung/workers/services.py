"""Writing workers: register, edit, and the audited sights of personal data (whole NIK, export).

Each function checks the role (``require``) and the region scope, runs in one transaction and writes
the audit entry. The registration rules are ``registration``'s, the ones the spreadsheet import applies to a
whole upload (``lindung.imports``), with the same sentences; a problem is raised as a ``ValidationError``
keyed by field, which the view puts next to that field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import RegionScope, scope_of
from lindung.audit.services import audit_changes, audit_record
from lindung.privacy_notices.selectors import notice_given, notice_problem
from lindung.regions.models import Region
from lindung.workers import registration
from lindung.workers.models import Heir, HeirRelation, OccupationCategory, Worker
from lindung.workers.nik import nik_mask, parse_nik
from lindung.workers.phone import phone_normalise
from lindung.workers.registration import LikelyDuplicates, NikRegistered, worker_likely_duplicates
from lindung.workers.restriction import refuse_if_restricted
from lindung.workers.selectors import worker_nik_holder, worker_registered_before

# The fields a registration sets; ``nik`` only at registration (never edited).
EDITABLE_FIELDS = (
    "name",
    "birth_place",
    "birth_date",
    "sex",
    "address",
    "village",
    "phone",
    "occupation",
    "declared_income",
    "kk_number",
    "mother_maiden_name",
)
HEIR_FIELDS = ("name", "relation", "nik", "phone", "share")


def worker_register(
    *,
    actor: User,
    data: Mapping[str, Any],
    heirs: Sequence[Mapping[str, Any]],
    confirm_likely_duplicate: bool = False,
    today: dt.date | None = None,
) -> Worker:
    """Register a worker with their heirs.

    1. The role may register; the village is inside the actor's region.
    2. The NIK is valid, matches the birth date and sex, and is not registered anywhere yet, nor was it held by a
       worker since anonymised (``registration.registered_before``).
    3. Age under the rule's limit, income not below the rule's minimum, on ``today``.
    4. Likely duplicates (same regency and birth date, similar name) raise ``LikelyDuplicates``
       unless confirmed.
    5. The person was given the privacy notice: ``data["privacy_notice"]`` is its version, one a registration on
       ``today`` may record (``privacy_notices.selectors.notice_given``); the worker records it.
    6. Insert; a concurrent insert of the same NIK loses on the unique index and gets the same error
       as step 2.
    """
    require(actor, Action.WORKER_REGISTER)
    today = today or timezone.localdate()
    scope = scope_of(actor)
    notice = notice_given(version=data.get("privacy_notice"), on=today)
    try:
        values, heir_rows = _clean_all(
            data, heirs, scope=scope, today=today, nik=str(data.get("nik", "")), check_age=True
        )
    except ValidationError as exc:
        if notice is None:
            exc.error_dict["privacy_notice"] = ValidationError(notice_problem(on=today)).error_list
        raise
    if notice is None:
        raise ValidationError({"privacy_notice": [notice_problem(on=today)]})
    nik = values["nik"]

    with transaction.atomic():
        holder = worker_nik_holder(nik=nik)
        if holder is not None:
            raise _already_registered(holder, scope)
        before = worker_registered_before(nik=nik)
        if before is not None and before.anonymised_on is not None:
            regency = Region.objects.filter(code=before.regency_code).values_list("name", flat=True).first()
            message = registration.registered_before(
                regency_name=regency or before.regency_code, anonymised_on=before.anonymised_on
            )
            raise ValidationError({"nik": [message]})
        likely = worker_likely_duplicates(
            name=values["name"], birth_date=values["birth_date"], regency_code=values["village"].code[:5]
        )
        if likely and not confirm_likely_duplicate:
            raise LikelyDuplicates(likely, scope=scope)

        worker = Worker(created_by=actor, privacy_notice=notice, **values)
        worker.stamp_region()
        try:
            # A savepoint, so that losing the race leaves the outer transaction usable for the look-up.
            with transaction.atomic():
                worker.save()
        except IntegrityError:
            holder = worker_nik_holder(nik=nik)
            if holder is None:
                raise
            raise _already_registered(holder, scope) from None
        Heir.objects.bulk_create([Heir(worker=worker, **row) for row in heir_rows])

        changes = _redacted({field: [None, value] for field, value in _snapshot(worker).items()})
        changes["heirs"] = [None, _heirs_summary(heir_rows)]
        changes["privacy_notice"] = [None, notice.version]
        if likely:
            changes["likely_duplicates_confirmed"] = [None, sorted(w.pk for w in likely)]
        audit_record(
            actor=actor, action="worker.registered", obj=worker, region_code=worker.village_id, changes=changes
        )
    return worker


def worker_edit(
    *,
    actor: User,
    worker: Worker,
    data: Mapping[str, Any],
    heirs: Sequence[Mapping[str, Any]],
    today: dt.date | None = None,
    pdp_request: int | None = None,
) -> Worker:
    """Change a worker's data and heirs (never the NIK); the audit entry holds each changed field before/after.

    ``pdp_request``: the id of the person's correction request (UU 27/2022, ``lindung.pdp``) this change carries
    out, recorded in the audit entry so that the change and the request are linked.
    """
    require(actor, Action.WORKER_EDIT)
    scope = scope_of(actor)
    if not scope.covers(worker.village_id):
        # Views answer 404 before getting here; this guards other callers.
        raise PermissionDenied("worker outside the actor's region")
    today = today or timezone.localdate()
    # Age is a condition of registration only: a registered worker may grow older than the limit.
    values, heir_rows = _clean_all(data, heirs, scope=scope, today=today, nik=worker.nik, check_age=False)

    with transaction.atomic():
        worker = Worker.objects.select_for_update().get(pk=worker.pk)
        before = _snapshot(worker)
        heirs_before = list(worker.heirs.order_by("pk").values(*HEIR_FIELDS))
        for field, value in values.items():
            if field != "nik":
                setattr(worker, field, value)
        worker.stamp_region()
        changes = _redacted(audit_changes(before, _snapshot(worker)))
        if heir_rows != heirs_before:
            changes["heirs"] = [_heirs_summary(heirs_before), _heirs_summary(heir_rows)]
            worker.heirs.all().delete()
            Heir.objects.bulk_create([Heir(worker=worker, **row) for row in heir_rows])
        if changes:
            worker.save()
            if pdp_request is not None:
                changes["pdp_request"] = [None, pdp_request]
            audit_record(
                actor=actor, action="worker.changed", obj=worker, region_code=worker.village_id, changes=changes
            )
    return worker


def worker_nik_view(*, actor: User, worker: Worker) -> None:
    """Record that ``actor`` was shown the whole NIK and birth date of ``worker``: every path that shows them
    (the web's button, the API's ``show_nik``, the DCI search by NIK) asks here first. Refused while the person's
    processing is restricted (``RefusedStep``): the record is shown masked."""
    require(actor, Action.WORKER_VIEW_NIK)
    if not scope_of(actor).covers(worker.village_id):
        raise PermissionDenied("worker outside the actor's region")
    refuse_if_restricted(worker)
    with transaction.atomic():
        audit_record(actor=actor, action="worker.nik_viewed", obj=worker, region_code=worker.village_id)


def worker_export_record(*, actor: User, filters: Mapping[str, Any], row_count: int) -> None:
    """Record an export of the worker list: which filter, how many rows."""
    require(actor, Action.WORKER_EXPORT)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="worker.exported",
            region_code=actor.region_id or "",
            changes={"filter": [None, dict(filters)], "rows": [None, row_count]},
        )


# Validation shared by register and edit.


def _clean_all(
    data: Mapping[str, Any], heirs: Sequence[Mapping[str, Any]], **options: Any
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The worker's and the heirs' values; the errors of both raised together."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    heir_rows: list[dict[str, str]] = []
    try:
        values = _clean(data, **options)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        heir_rows = _clean_heirs(heirs)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return values, heir_rows


def _clean(data: Mapping[str, Any], *, scope: RegionScope, today: dt.date, nik: str, check_age: bool) -> dict[str, Any]:
    """The worker's values, normalised; every problem found is raised at once, keyed by field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {field: data.get(field) for field in EDITABLE_FIELDS}
    for field in ("name", "birth_place", "address", "kk_number", "mother_maiden_name"):
        values[field] = str(values[field] or "").strip()
    for field in ("name", "birth_place", "address"):
        if not values[field]:
            errors.setdefault(field, []).append(gettext("This field is required."))

    info = parse_nik(nik, today=today)
    values["nik"] = info.nik or nik
    if not info.valid:
        errors["nik"] = [issue.message for issue in info.errors]

    birth_date = values["birth_date"]
    if not isinstance(birth_date, dt.date):
        errors.setdefault("birth_date", []).append(gettext("Enter the date of birth."))
    elif check_age and (problem := registration.too_old(birth_date, today=today, limit=registration.age_limit(today))):
        errors.setdefault("birth_date", []).append(problem)
    if values["sex"] not in ("L", "P"):
        errors.setdefault("sex", []).append(gettext("Choose the sex."))
    if info.valid:
        for field, problem in registration.identity_mismatches(info, birth_date=birth_date, sex=values["sex"]).items():
            errors.setdefault(field, []).append(problem)

    village = values["village"]
    if isinstance(village, str):
        village = Region.objects.filter(code=village, level=Region.Level.VILLAGE).first()
    if not isinstance(village, Region) or village.level != Region.Level.VILLAGE:
        errors.setdefault("village", []).append(gettext("Choose a village."))
    elif problem := registration.village_outside_scope(village.code, scope=scope):
        errors.setdefault("village", []).append(problem)
    values["village"] = village

    try:
        values["phone"] = phone_normalise(str(values["phone"] or ""))
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.messages)

    occupation = values["occupation"]
    if not isinstance(occupation, OccupationCategory) or not occupation.active:
        errors.setdefault("occupation", []).append(gettext("Choose an occupation category."))

    minimum = registration.income_minimum(today)
    if problem := registration.income_problem(values["declared_income"], minimum=minimum):
        errors.setdefault("declared_income", []).append(problem)
    values["kk_number"] = registration.kk_normalise(values["kk_number"])
    if problem := registration.kk_problem(values["kk_number"]):
        errors.setdefault("kk_number", []).append(problem)
    if errors:
        raise ValidationError(errors)
    return values


def heir_clean(heir: Mapping[str, Any]) -> dict[str, Any]:
    """One heir's values as stored, or a ValidationError listing every problem (also used at claim time)."""
    row: dict[str, Any] = {field: str(heir.get(field) or "").strip() for field in HEIR_FIELDS}
    problems: list[str] = []
    if not row["name"]:
        problems.append(gettext("Enter the heir's name."))
    if row["relation"] not in HeirRelation.values:
        problems.append(gettext("Choose the relation."))
    if row["nik"]:
        info = parse_nik(row["nik"])
        if info.valid and info.nik:
            row["nik"] = info.nik
        else:
            problems.append(info.errors[0].message)
    try:
        row["phone"] = phone_normalise(row["phone"])
    except ValidationError as exc:
        problems.append(exc.messages[0])
    share = row["share"]
    row["share"] = None
    if share:
        if share.isascii() and share.isdigit() and 1 <= int(share) <= 100:
            row["share"] = int(share)
        else:
            problems.append(gettext("The share is a whole percent from 1 to 100."))
    if problems:
        raise ValidationError(problems)
    return row


def _clean_heirs(heirs: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    errors: list[str] = []
    for number, heir in enumerate(heirs, start=1):
        if not str(heir.get("name") or "").strip():
            continue
        try:
            rows.append(heir_clean(heir))
        except ValidationError as exc:
            errors.extend(
                gettext("Heir %(number)d: %(problem)s") % {"number": number, "problem": problem}
                for problem in exc.messages
            )
    if errors:
        raise ValidationError({"heirs": errors})
    return rows


def _already_registered(holder: Worker, scope: RegionScope) -> NikRegistered:
    regency = Region.objects.filter(code=holder.regency_code).values_list("name", flat=True).first()
    return NikRegistered(
        holder_pk=holder.pk, holder_village=holder.village_id, regency_name=regency or holder.regency_code, scope=scope
    )


def _snapshot(worker: Worker) -> dict[str, Any]:
    """The audited values, JSON-ready (pass the changes through ``_redacted`` before writing them)."""
    return {
        "nik": nik_mask(worker.nik),
        "name": worker.name,
        "birth_place": worker.birth_place,
        "birth_date": worker.birth_date.isoformat(),
        "sex": worker.sex,
        "address": worker.address,
        "village": worker.village_id,
        "phone": worker.phone,
        "occupation": worker.occupation.code,
        "declared_income": worker.declared_income,
        "kk_number": worker.kk_number,
        "mother_maiden_name": worker.mother_maiden_name,
    }


def _redacted(changes: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Mask the KK number; hide the mother's maiden name, a security question at banks and BPJS: the log
    says that it changed, never what it is. (The NIK is masked in the snapshot: it never changes.)"""
    redacted = dict(changes)
    if "kk_number" in redacted:
        redacted["kk_number"] = [nik_mask(v) if v else v for v in redacted["kk_number"]]
    if "mother_maiden_name" in redacted:
        redacted["mother_maiden_name"] = ["***" if v else v for v in redacted["mother_maiden_name"]]
    return redacted


def _heirs_summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "name": row["name"],
            "relation": row["relation"],
            "nik": nik_mask(row["nik"]) if row["nik"] else "",
            "phone": row["phone"],
            "share": row.get("share"),
        }
        for row in rows
    ]
