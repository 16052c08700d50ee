"""The public coverage check (``/cek-status/``): the throttle, and the answer that reveals almost nothing.

What the answer may say (issue 7, item 4): whether the person is covered *today*, by which programme,
the month contributions are paid through and the month coverage ends, the BPJS Ketenagakerjaan office
of their regency, and the initials of their name. Nothing else: no name, address, birth place, village,
KPJ, and not even the NIK that was typed (the page never echoes it).

Not telling who is registered:

- An unknown NIK, a known NIK with another birth date, and a registered worker who is not covered today
  all get the same answer, "no active coverage found for this data".
- The same queries run on every path: the worker is looked up, then their current enrolments (worker id
  0 when nobody matched, which selects none), then coverage is computed for each, or, when there is
  none, for a stand-in enrolment that selects nothing, then the office and the audit entry. This keeps
  the work alike, but is not what makes the time equal: the view pads every POST to
  ``LINDUNG_PUBLIC_CHECK_MS`` (``check_minimum_seconds``), which must stay above the slowest honest answer.
- The birth date adds little secrecy on its own (a NIK encodes the birth day, month and year's last two
  digits), so the rate limit is what stops trying many NIKs: at most ``LINDUNG_PUBLIC_CHECK_LIMIT`` POSTs
  per client address within ``LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES`` (badly filled forms count too).

Privacy of the throttle: an attempt is a row with a keyed hash (HMAC with the secret key) of the client
address and the time; never the address, never the NIK or birth date. The NIK and birth date are never
logged either; each check is audited as ``public.coverage_checked`` against the worker whose NIK was typed
(if any), with the outcome in words.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_changes, audit_record
from lindung.contributions.coverage_day import CoverageOnDay, coverage_on
from lindung.enrolments.models import Enrolment, Status
from lindung.errors import RefusedStep
from lindung.public.models import BpjsOffice, CoverageCheckAttempt
from lindung.public.selectors import PublicOffice, office_for_regency
from lindung.workers.models import Worker

# No worker or enrolment has this id (ids start at 1): queries for it run, and find nothing.
_NOBODY = 0


def check_limit() -> int:
    return int(settings.LINDUNG_PUBLIC_CHECK_LIMIT)


def check_window() -> dt.timedelta:
    return dt.timedelta(minutes=int(settings.LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES))


def check_minimum_seconds() -> float:
    """How long every POST of the check takes at least (``LINDUNG_PUBLIC_CHECK_MS``)."""
    return int(settings.LINDUNG_PUBLIC_CHECK_MS) / 1000


@dataclass(frozen=True)
class CheckBlock:
    """Checks from this address are refused for ``minutes`` more (rounded up)."""

    minutes: int


def address_key(address: str | None) -> str:
    """A keyed hash of the client address: the same address gives the same key, the key gives no address.

    Keyed with the secret key because a plain hash of an IPv4 address is undone by hashing all 2³² of them.
    Clients whose address cannot be read share one key.
    """
    return salted_hmac("lindung.public.check.address", address or "-", algorithm="sha256").hexdigest()


def check_attempt_record(*, address: str | None, now: dt.datetime | None = None) -> CheckBlock | None:
    """Count one check from ``address``; a block instead when the address is already at the limit.

    1. Delete the attempts that left the window (of every address), so the table stays small.
    2. Insert this attempt, then count the address's attempts in the window. Inserting before
       counting means two checks arriving together cannot both slip under the limit.
    3. Over the limit: delete this attempt again (a refused check is not counted, so the block lifts
       ``window`` after the attempts that filled it) and say how long to wait.
    """
    now = now or timezone.now()
    window, limit = check_window(), check_limit()
    key = address_key(address)
    with transaction.atomic():
        CoverageCheckAttempt.objects.filter(at__lte=now - window).delete()
        attempt = CoverageCheckAttempt.objects.create(address_key=key, at=now)
        times = list(
            CoverageCheckAttempt.objects.filter(address_key=key, at__gt=now - window)
            .exclude(pk=attempt.pk)
            .order_by("-at")
            .values_list("at", flat=True)[:limit]
        )
        if len(times) < limit:
            return None
        attempt.delete()
    seconds = (times[limit - 1] + window - now).total_seconds()
    return CheckBlock(minutes=max(1, math.ceil(seconds / 60)))


@dataclass(frozen=True)
class PublicCoverage:
    """Everything the public page may say about a covered person."""

    programme_name: str
    paid_through: dt.date | None  # first day of the last month paid in an unbroken run
    coverage_end: dt.date  # the enrolment's end, else its programme's
    initials: str
    office: PublicOffice | None  # None: the page names the generic ways to reach BPJS


def name_initials(name: str) -> str:
    """``"Budi Santoso"`` → ``"B. S."``: the first letter of each word, nothing else of the name."""
    return " ".join(f"{word[0].upper()}." for word in re.findall(r"[^\W\d_]+", name))


def public_coverage_check(*, nik: str, birth_date: dt.date, today: dt.date) -> PublicCoverage | None:
    """The answer for ``nik`` and ``birth_date`` on ``today``: the covering enrolment, or None.

    1. Find the worker by NIK; they match only if the birth date is theirs too.
    2. Their enrolments that were active or ended and whose period holds ``today`` (none when nobody
       matched), with ``coverage_on`` for each: the first that covers today, latest end first.
    3. The office of the worker's regency, and the audit entry; both on every path (see the module).
    """
    found = Worker.objects.filter(nik=nik).values_list("pk", "name", "birth_date", "regency_code").first()
    matched = found is not None and found[2] == birth_date
    worker_id, name, regency = (found[0], found[1], found[3]) if found is not None and matched else (_NOBODY, "", "")

    enrolments = list(
        Enrolment.objects.filter(
            worker_id=worker_id, status__in=[Status.ACTIVE, Status.ENDED], coverage_start__lte=today
        )
        .filter(Q(coverage_end__isnull=True) | Q(coverage_end__gte=today))
        .select_related("programme")
        .order_by("-coverage_start", "-pk")
    )
    decoy = Enrolment(pk=_NOBODY, worker_id=_NOBODY, status=Status.ACTIVE, coverage_start=today)
    evaluated: list[tuple[Enrolment, CoverageOnDay]] = [(e, coverage_on(e, today, today=today)) for e in enrolments]
    if not enrolments:
        coverage_on(decoy, today, today=today)  # the same work as a real evaluation; its answer is ignored
    covering = sorted(
        ((e, result) for e, result in evaluated if result.covered),
        key=lambda pair: (pair[1].coverage_end or pair[0].programme.coverage_end, pair[0].pk),
        reverse=True,
    )
    office = office_for_regency(regency)

    if found is None:
        outcome = "no worker with this NIK"
    elif not matched:
        outcome = "birth date did not match"
    else:
        outcome = "covered" if covering else "not covered today"
    audit_record(
        actor=None,
        action="public.coverage_checked",
        obj=Worker(pk=found[0]) if found is not None else None,
        region_code=found[3] if found is not None else "",
        note=f"public check: {outcome}",
    )
    if not covering:
        return None
    enrolment, result = covering[0]
    return PublicCoverage(
        programme_name=enrolment.programme.name,
        paid_through=result.paid_through,
        coverage_end=result.coverage_end or enrolment.programme.coverage_end,
        initials=name_initials(name),
        office=office,
    )


class OfficeError(RefusedStep):
    """A refused change to a BPJS office, in one sentence; nothing was written."""


def bpjs_office_update(*, actor: User, office: BpjsOffice, name: str, address: str, source: str) -> BpjsOffice:
    """Correct the BPJS office a regency/city's workers are pointed to (its name, address and where that is
    known from), for a regency within the actor's region; audited with what changed. The office file
    (``lindung public offices load``) is the record kept with the code: a correction made here is overwritten
    by the next load of a file that says otherwise, so it belongs in the file too."""
    require(actor, Action.PROGRAMME_CONFIGURE)
    if not scope_of(actor).covers(office.regency_code):
        raise PermissionDenied(Action.PROGRAMME_CONFIGURE.value)
    values = {"name": name.strip(), "address": address.strip(), "source": source.strip()}
    if not values["name"]:
        raise OfficeError(gettext("Write the office's name."), field="name")
    if not values["source"]:
        raise OfficeError(gettext("Say where the office's name and address are known from."), field="source")
    with transaction.atomic():
        before = {field: getattr(office, field) for field in values}
        changes = audit_changes(before, values)
        if changes:
            for field, value in values.items():
                setattr(office, field, value)
            office.save(update_fields=list(values))
            audit_record(
                actor=actor, action="bpjsoffice.changed", obj=office, region_code=office.regency_code, changes=changes
            )
    return office
