"""The rule set for proposing a worker: every rule once, with its one sentence.

A worker is proposed for a programme on two paths: on the pages, one at a time (the registration form,
``lindung.workers.services.worker_register``, then ``services.enrolment_propose``), and by the spreadsheet
import, a whole upload at a time (``lindung.imports``: row by row while it cleans the cells, then set-based on
its staging table). Both apply the rules below and say the same sentences; ``tests/test_proposal_rules.py``
feeds the same cases through both, on SQLite and on PostgreSQL, and fails when they disagree.

The registry's rules are ``lindung.workers.registration``'s, since the registry's own service applies them
and may not import this layer (``docs/decisions/0006``); the programme's rules are here. Where a rule's set
form differs from its row form (SQL, or one query for many workers), the two are in the same module.

The rules (where they are written; one worker → a whole upload):

- processing restricted at the person's request (``lindung.workers.restriction``): ``restricted_problem`` →
  ``restricted_q``; the import reads the flag in the same query that finds the registered NIKs;

- NIK structure (``lindung.workers.nik``): ``parse_nik`` → ``nik_from_cell`` per row, which also refuses a
  number cell, whose last digits are lost;
- birth date and sex against the NIK (``registration``): ``identity_mismatches``, per row;
- age limit at registration (``registration``): ``too_old``, per row, kept for the rows of new workers;
- minimum declared income, KK number, village within the user's region (``registration``): ``income_problem``,
  ``kk_problem``, ``village_outside_scope``, per row;
- NIK already registered (``registration``): ``already_registered`` says where (outside the user's region, only
  the regency); the import joins the NIKs with the registry;
- likely duplicates (``registration``): ``worker_likely_duplicates`` → ``look_alike_sql`` joins scored by
  ``names_alike``, the same candidates and score;
- programme open for proposals, village within the programme's region (here): ``programme_closed`` for the
  whole file, ``outside_programme`` per row;
- already in the programme (here): ``in_programme``;
- overlapping government-funded coverage (here): ``overlap_problem`` → ``overlapping_government_enrolments``;
- regency quota (here): ``quota_problem`` → ``full_regencies``.

Two verdicts differ on purpose: a registered NIK in the row's own regency is that worker, proposed (the form
says the NIK is registered; the worker's page proposes them), and a worker already proposed, verified, sent or
active in the programme is skipped by the import, so that a file uploaded twice changes nothing (the same test
pins both).
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence

from django.db.models import Count
from django.db.models.functions import Coalesce
from django.utils.translation import gettext, ngettext

from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.regions.codes import is_within
from lindung.regions.models import Region

# --- the programme open for proposals ----------------------------------------------------------


def programme_closed(programme: Programme) -> str | None:
    if programme.open_for_proposals:
        return None
    return gettext("Programme %(code)s is not open for proposals.") % {"code": programme.code}


# --- the village within the programme's region -------------------------------------------------


def outside_programme(village_code: str, programme: Programme) -> str | None:
    if is_within(village_code, programme.region_id):
        return None
    return gettext("This worker lives outside the region of programme %(code)s.") % {"code": programme.code}


# --- already in the programme (one enrolment per worker and programme) -------------------------

# Standing in the programme that a file uploaded again leaves as it is (the import skips these rows).
STANDING = frozenset({Status.PROPOSED, Status.VERIFIED, Status.SENT, Status.ACTIVE})


def in_programme(status: str, programme: Programme) -> str:
    """The sentence for a worker whose enrolment in ``programme`` is ``status``: what to do, where there is
    something to do."""
    if status == Status.REJECTED:
        # Not proposed again silently: the rejection had a reason that a file or a second proposal cannot answer.
        return gettext(
            "This worker's proposal in programme %(code)s was rejected. To propose them again, open the "
            "enrolment's page and choose Propose again."
        ) % {"code": programme.code}
    if status == Status.ENDED:
        return gettext(
            "This worker's enrolment in programme %(code)s has ended; a worker is enrolled in a programme only once."
        ) % {"code": programme.code}
    return gettext("This worker is already enrolled in programme %(code)s.") % {"code": programme.code}


# --- overlapping government-funded coverage ----------------------------------------------------


def overlapping_government_enrolments(worker_ids: Sequence[int], programme: Programme) -> dict[int, tuple[str, str]]:
    """The set form: {worker id: (programme code, name)} of each worker's earliest other government-funded
    enrolment covering a month ``programme`` covers (none when ``programme`` is not government-funded).

    An enrolment covers from its own start (once BPJS activated it), else its programme's, until its
    own end (once ended), else its programme's. Rejected ones cover nothing. Months overlap when the
    other coverage starts on or before the last day of the programme's last month and ends on or
    after the first day of its first month. One query, whatever the number of workers (registry-wide:
    whoever asks).
    """
    if not programme.is_government_funded or not worker_ids:
        return {}
    first_day = programme.coverage_start.replace(day=1)
    last = programme.coverage_end
    last_day = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    rows = (
        Enrolment.objects.filter(worker_id__in=worker_ids, programme__funder_type__in=FunderType.government())
        .exclude(status=Status.REJECTED)
        .exclude(programme=programme)
        .alias(
            start=Coalesce("coverage_start", "programme__coverage_start"),
            end=Coalesce("coverage_end", "programme__coverage_end"),
        )
        .filter(start__lte=last_day, end__gte=first_day)
        .order_by("-programme__coverage_start", "-pk")
        .values_list("worker_id", "programme__code", "programme__name")
    )
    # Descending, so that the earliest overlapping programme of each worker is written last and kept.
    return {worker_id: (code, name) for worker_id, code, name in rows}


def overlap(first: tuple[str, str]) -> str:
    """The sentence for a worker covered by ``first`` (code, name) in the same months."""
    code, name = first
    return gettext(
        "This worker already has government-funded coverage for overlapping months in programme %(code)s "
        "(%(name)s); a second government-funded enrolment is not allowed."
    ) % {"code": code, "name": name}


def overlap_problem(worker_id: int, programme: Programme) -> str | None:
    """The row form."""
    first = overlapping_government_enrolments([worker_id], programme).get(worker_id)
    return None if first is None else overlap(first)


# --- the regency quota -------------------------------------------------------------------------
# A place in a regency's quota is held by an enrolment from verification until it ends. A proposal holds no
# place: proposals beyond the free places wait, and verification takes them one by one while places are left.
# So a proposal is refused only when every place is held already (verification would refuse it), never
# because of other proposals. A regency without a quota is not limited here: verification refuses it with
# its own sentence.

QUOTA_STATUSES = [Status.VERIFIED, Status.SENT, Status.ACTIVE]


def quota_taken(programme: Programme, regencies: Sequence[str]) -> dict[str, int]:
    """{regency code: places held in ``programme``} for ``regencies`` (one grouped query; a regency with none
    is missing)."""
    rows = (
        Enrolment.objects.filter(programme=programme, regency_code__in=regencies, status__in=QUOTA_STATUSES)
        .values("regency_code")
        .annotate(n=Count("pk"))
        .values_list("regency_code", "n")
    )
    return dict(rows)


def full_regencies(programme: Programme, regencies: Sequence[str]) -> dict[str, int]:
    """The set form: {regency: quota} of the regencies among ``regencies`` whose places are all held."""
    quotas = dict(
        RegencyQuota.objects.filter(programme=programme, regency_id__in=regencies).values_list("regency_id", "quota")
    )
    taken = quota_taken(programme, list(quotas))
    return {code: quota for code, quota in quotas.items() if taken.get(code, 0) >= quota}


def quota_full(*, quota: int, regency_name: str, programme: Programme) -> str:
    return ngettext(
        "The quota of %(quota)s worker for %(regency)s in programme %(code)s is full.",
        "The quota of %(quota)s workers for %(regency)s in programme %(code)s is full.",
        quota,
    ) % {"quota": quota, "regency": regency_name, "code": programme.code}


def quota_problem(programme: Programme, regency_code: str) -> str | None:
    """The row form."""
    full = full_regencies(programme, [regency_code])
    if regency_code not in full:
        return None
    return quota_full(quota=full[regency_code], regency_name=regency_name(regency_code), programme=programme)


def regency_name(code: str) -> str:
    return Region.objects.filter(code=code).values_list("name", flat=True).first() or code
