"""Writes about programmes: creating and changing one, its regency quotas, its funder's name; each audited.

Who: ``Action.PROGRAMME_CONFIGURE`` (the provincial administrator), for the programmes whose region lies within
theirs: the province's administrator all of Kalimantan Barat's, an administrator whose region is a regency that
regency's own programme. A quota is a regency of the programme's region. Any refusal is a ``ProgrammeError``:
one sentence, optionally tied to a form field, and nothing written.

What stays fixed: once a programme has invoices, what its months cost (the period, the funder type, the declared
income, the benefits) is what those invoices were billed at; once it has enrolments, its region holds them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require, user_can
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_changes, audit_record
from lindung.errors import RefusedStep
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.codes import is_within
from lindung.regions.models import Region

# What an invoice was billed at: fixed once the programme has one.
PRICED_FIELDS = (
    *("funder_type", "coverage_start", "coverage_end"),
    *("declared_income", "includes_jkk", "includes_jkm", "includes_jht"),
)
# A programme is a province's or a regency/city's.
_PROGRAMME_LEVELS = frozenset({Region.Level.PROVINCE, Region.Level.REGENCY})


class ProgrammeError(RefusedStep):
    """A refused change to a programme, in one sentence; nothing was written."""


@dataclass(frozen=True)
class ProgrammeFields:
    """What an administrator types about a programme."""

    code: str
    name: str
    funder_type: str
    funder_name: str
    region_code: str
    fiscal_year: int
    coverage_start: dt.date
    coverage_end: dt.date
    budget_ceiling: int
    target_workers: int
    declared_income: int
    includes_jkk: bool
    includes_jkm: bool
    includes_jht: bool
    open_for_proposals: bool


def programme_configurable(*, actor: User, programme: Programme) -> bool:
    """Whether ``actor`` may change ``programme``: the permission, and the programme's region within theirs."""
    return user_can(actor, Action.PROGRAMME_CONFIGURE) and scope_of(actor).covers(programme.region_id)


def _require_configurable(actor: User, programme: Programme) -> None:
    require(actor, Action.PROGRAMME_CONFIGURE)
    if not programme_configurable(actor=actor, programme=programme):
        raise PermissionDenied(Action.PROGRAMME_CONFIGURE.value)


def _region(actor: User, code: str, *, field: str, levels: frozenset[int]) -> Region:
    region = Region.objects.filter(code=code.strip()).first()
    if region is None:
        raise ProgrammeError(_("There is no region with the code %(code)s.") % {"code": code.strip()[:13]}, field=field)
    if not scope_of(actor).covers(region.code):
        raise ProgrammeError(
            _("%(region)s is outside your region: you can only give regions within yours.") % {"region": region.name},
            field=field,
        )
    if region.level not in levels:
        raise ProgrammeError(
            _("A programme covers a province or a regency/city: give its code, such as 61 or 61.01."), field=field
        )
    return region


def _values(programme: Programme) -> dict[str, Any]:
    """The programme's typed values as the audit log keeps them (dates as text)."""
    values = {f: getattr(programme, f) for f in ProgrammeFields.__dataclass_fields__ if f != "region_code"}
    values["region"] = programme.region_id
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in values.items()}


def _assign(programme: Programme, fields: ProgrammeFields, region: Region) -> None:
    for name, value in asdict(fields).items():
        if name != "region_code":
            setattr(programme, name, value.strip() if isinstance(value, str) else value)
    programme.region = region


def _validate(programme: Programme) -> None:
    """The model's checks (the era, the pricing, the unique code) as one refusal per field."""
    try:
        programme.full_clean(exclude=["region"])
    except ValidationError as error:
        raise ProgrammeError(_first_message(error), field=_first_field(error)) from None
    if programme.coverage_end < programme.coverage_start:
        raise ProgrammeError(_("Coverage cannot end before it starts."), field="coverage_end")


def _first_field(error: ValidationError) -> str | None:
    fields = [name for name in getattr(error, "error_dict", {}) if name != "__all__"]
    return fields[0] if fields else None


def _first_message(error: ValidationError) -> str:
    messages = error.message_dict.get(_first_field(error) or "__all__") if hasattr(error, "error_dict") else None
    return (messages or error.messages)[0]


def programme_create(*, actor: User, fields: ProgrammeFields) -> Programme:
    """A new programme in a region within the actor's; audited with its values."""
    require(actor, Action.PROGRAMME_CONFIGURE)
    region = _region(actor, fields.region_code, field="region", levels=_PROGRAMME_LEVELS)
    programme = Programme()
    _assign(programme, fields, region)
    _validate(programme)
    with transaction.atomic():
        programme.save()
        audit_record(
            actor=actor,
            action="programme.created",
            obj=programme,
            region_code=region.code,
            changes=audit_changes({}, _values(programme)),
        )
    return programme


def programme_update(*, actor: User, programme: Programme, fields: ProgrammeFields) -> Programme:
    """Change a programme (opening or closing it for proposals, its target, its funder ...); audited with what
    changed. Refused: a priced value of a programme with invoices, the region of one with enrolments."""
    _require_configurable(actor, programme)
    region = _region(actor, fields.region_code, field="region", levels=_PROGRAMME_LEVELS)
    with transaction.atomic():
        programme = Programme.objects.select_for_update().get(pk=programme.pk)
        before = _values(programme)
        _assign(programme, fields, region)
        _validate(programme)
        changes = audit_changes(before, _values(programme))
        if not changes:
            return programme
        priced = [name for name in PRICED_FIELDS if name in changes]
        if priced and programme.invoices.exists():
            raise ProgrammeError(
                _(
                    "Programme %(code)s has invoices: its period, funder type, declared income and benefits are "
                    "what they were billed at and cannot change."
                )
                % {"code": before["code"]},
                field=priced[0],
            )
        if "region" in changes and programme.enrolments.exists():
            raise ProgrammeError(
                _("Programme %(code)s has enrolments: its region cannot change.") % {"code": before["code"]},
                field="region",
            )
        programme.save()
        audit_record(actor=actor, action="programme.changed", obj=programme, region_code=region.code, changes=changes)
    return programme


def regency_quota_set(*, actor: User, programme: Programme, regency_code: str, quota: int) -> RegencyQuota:
    """Give a regency/city of the programme's region its quota (how many of its workers the programme covers),
    or change it; audited. A quota below the places already held stops verification there until some end."""
    _require_configurable(actor, programme)
    regency = _region(actor, regency_code, field="regency", levels=frozenset({Region.Level.REGENCY}))
    if not is_within(regency.code, programme.region_id):
        raise ProgrammeError(
            _("%(regency)s is not in the region of programme %(code)s.")
            % {"regency": regency.name, "code": programme.code},
            field="regency",
        )
    if quota < 0:
        raise ProgrammeError(_("A quota cannot be negative."), field="quota")
    with transaction.atomic():
        row = RegencyQuota.objects.select_for_update().filter(programme=programme, regency=regency).first()
        before = row.quota if row is not None else None
        if row is None:
            row = RegencyQuota.objects.create(programme=programme, regency=regency, quota=quota)
        elif row.quota != quota:
            row.quota = quota
            row.save(update_fields=["quota"])
        if before != quota:
            audit_record(
                actor=actor,
                action="regencyquota.created" if before is None else "regencyquota.changed",
                obj=row,
                region_code=regency.code,
                changes={"programme": [None, programme.code], "regency": [None, regency.code], "quota": [before, quota]}
                if before is None
                else {"quota": [before, quota]},
            )
    return row


def regency_quota_remove(*, actor: User, quota: RegencyQuota) -> None:
    """Take a regency's quota away: verification there is refused until it has one again; audited."""
    _require_configurable(actor, quota.programme)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="regencyquota.deleted",
            obj=quota,
            region_code=quota.regency_id,
            changes={"programme": [quota.programme.code, None], "regency": [quota.regency_id, None]}
            | {"quota": [quota.quota, None]},
        )
        quota.delete()


def funder_rename(*, actor: User, funder_type: str, name: str, new_name: str) -> int:
    """Write a funder's name anew on every programme within the actor's region that names it (a spelling, a
    renamed office); each programme's change audited. Returns how many programmes changed."""
    require(actor, Action.PROGRAMME_CONFIGURE)
    new_name = new_name.strip()
    if not new_name:
        raise ProgrammeError(_("Write the funder's name."), field="new_name")
    if new_name == name:
        return 0
    with transaction.atomic():
        programmes = [
            p
            for p in Programme.objects.select_for_update().filter(funder_type=funder_type, funder_name=name)
            if scope_of(actor).covers(p.region_id)
        ]
        for programme in programmes:
            programme.funder_name = new_name
            programme.save(update_fields=["funder_name"])
            audit_record(
                actor=actor,
                action="programme.changed",
                obj=programme,
                region_code=programme.region_id,
                changes={"funder_name": [name, new_name]},
            )
    return len(programmes)
