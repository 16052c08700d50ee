"""The registry's rules for an upload's clean rows, as set-based queries on its staging table.

Mirrors ``lindung.workers.services.worker_register`` (NIK already registered, age limit, likely
duplicates unless confirmed) and ``lindung.enrolments.services.enrolment_propose`` (already in the
programme: skipped, unless it was rejected or has ended: rejected with what to do; overlapping
government-funded coverage) and ``enrolment_verify`` (the quota); the
sentences are the registry's own, so they read the same everywhere.

The quota, one definition for the import and for verification: a place in a regency's quota is held by
an enrolment from verification until it ends (``enrolments.services.QUOTA_STATUSES``: verified, sent,
active). A proposal holds no place. So an import rejects a regency's rows when its places are all held
already (verification would refuse every one of them), and never because of other proposals; proposals
beyond the free places wait, and verification takes them one by one while places are left. A regency
without a quota is not limited here: verification refuses it with its own sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from itertools import batched
from typing import Any

from django.utils.translation import gettext, ngettext
from rapidfuzz import fuzz

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.enrolments.models import Status
from lindung.enrolments.selectors import overlapping_government_enrolments, quota_taken
from lindung.enrolments.services import QUOTA_STATUSES
from lindung.imports.staging import Staging
from lindung.programmes.models import Programme, RegencyQuota
from lindung.regions.models import Region
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value
from lindung.spreadsheets.errors import RowErrors
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask
from lindung.workers.selectors import LIKELY_DUPLICATE_SCORE

_OVERLAP_CHUNK = 2_000
_PUNCTUATION = re.compile(r"[^\w\s]")


@dataclass
class Outcome:
    """What the checks decided beyond the cleaning: the rows they rejected (their errors go to the upload's
    ``RowErrors``) and the rows they skipped."""

    errors: RowErrors
    rejected: set[int] = field(default_factory=set)
    skipped: set[int] = field(default_factory=set)

    def reject(self, row: int, column: str, message: str) -> None:
        self.rejected.add(row)
        self.errors.reject(row, column, message)


def staging_check(
    staging: Staging,
    errors: RowErrors,
    *,
    actor: User,
    programme: Programme,
    today: dt.date,
    columns: dict[str, str],
) -> Outcome:
    """Every rule on the staged rows, then the rejected and skipped rows removed from the staging table."""
    outcome = Outcome(errors)
    staging.mark_registered()
    _registered(staging, outcome, actor=actor, programme=programme, column=columns["nik"])
    limit = rule_value(Rule.MAX_AGE_AT_REGISTRATION, on=today)
    for row, age in staging.too_old(limit):
        outcome.reject(
            row,
            columns["birth_date"],
            gettext("A worker must be under %(limit)d years old at registration; this person is %(age)d.")
            % {"limit": limit, "age": age},
        )
    _likely_duplicates(staging, outcome, actor=actor, columns=columns)
    staging.remove([*outcome.rejected, *outcome.skipped])
    _quota(staging, outcome, programme=programme, column=columns.get("village_code") or columns.get("village", ""))
    return outcome


def _registered(staging: Staging, outcome: Outcome, *, actor: User, programme: Programme, column: str) -> None:
    """Rows whose NIK is registered: outside the uploader's region or in another regency (rejected), already
    in the programme (skipped), covered by an overlapping government-funded programme (rejected)."""
    scope = scope_of(actor)
    pending: list[tuple[int, int]] = []  # (row, worker id) still to check for overlaps
    foreign: list[tuple[int, str]] = []  # (row, regency) registered in another regency of the scope
    for row, row_regency, worker_id, village, regency, status in staging.registered(programme.pk):
        if not scope.covers(village):
            # Outside the uploader's region, say only that it exists (as the registry does).
            outcome.reject(row, column, gettext("This NIK is already registered in another region."))
        elif row_regency != regency:
            foreign.append((row, regency))
        elif status == Status.REJECTED:
            # Not proposed again silently: the rejection had a reason that a file cannot answer.
            outcome.reject(
                row,
                column,
                gettext(
                    "This worker's proposal in programme %(code)s was rejected. To propose them again, open the "
                    "enrolment's page and choose Propose again."
                )
                % {"code": programme.code},
            )
        elif status == Status.ENDED:
            outcome.reject(
                row,
                column,
                gettext(
                    "This worker's enrolment in programme %(code)s has ended; a worker is enrolled in a programme "
                    "only once."
                )
                % {"code": programme.code},
            )
        elif status is not None:
            outcome.skipped.add(row)  # proposed, verified, sent or active: the file changes nothing
        else:
            pending.append((row, worker_id))
    if foreign:
        names = dict(Region.objects.filter(code__in={r for _, r in foreign}).values_list("code", "name"))
        for row, regency in foreign:
            outcome.reject(
                row,
                column,
                gettext("This NIK is already registered in %(regency)s.") % {"regency": names.get(regency, regency)},
            )
    for chunk in batched(pending, _OVERLAP_CHUNK):
        overlapping = overlapping_government_enrolments([worker_id for _, worker_id in chunk], programme)
        for row, worker_id in chunk:
            if worker_id in overlapping:
                code, name = overlapping[worker_id]
                outcome.reject(
                    row,
                    column,
                    gettext(
                        "This worker already has government-funded coverage for overlapping months in programme "
                        "%(code)s (%(name)s); a second government-funded enrolment is not allowed."
                    )
                    % {"code": code, "name": name},
                )


def _likely_duplicates(staging: Staging, outcome: Outcome, *, actor: User, columns: dict[str, str]) -> None:
    """A new worker whose name is like a registered worker's of the same regency and birth date, or like an
    earlier row's of the file, is rejected unless the row confirms it (the form's "likely duplicate"
    question, asked by a column).

    A large upload yields millions of candidate pairs (same regency, same birth date, names of close
    length), so the loops are kept lean: the row's own name is folded once, the pairs carry ids rather
    than personal data, and only the few matches are looked up afterwards."""
    scope = scope_of(actor)
    confirm_column = columns.get("confirm_not_duplicate", "Bukan Duplikat")
    registered: dict[int, int] = {}  # row → the registered worker it looks like
    for row, _name, other in _alike_pairs(staging.look_alikes(), skip=outcome.rejected):
        registered.setdefault(row, other)
    in_file: dict[int, tuple[int, str]] = {}  # row → (the earlier row it looks like, that row's name)
    taken = outcome.rejected | registered.keys()
    for row, earlier_name, earlier in _alike_pairs(staging.look_alikes_in_file(), skip=taken):
        in_file.setdefault(row, (earlier, earlier_name))
    workers = {
        pk: (name, nik, village)
        for chunk in batched(sorted(set(registered.values())), _OVERLAP_CHUNK)
        for pk, name, nik, village in Worker.objects.filter(pk__in=chunk).values_list("pk", "name", "nik", "village")
    }
    for row, worker_id in registered.items():
        other_name, nik, village = workers[worker_id]
        if scope.covers(village):
            message = gettext(
                "This looks like %(name)s (NIK %(nik)s), registered with the same birth date in this "
                "regency. If they are different people, write ya in the column %(column)s."
            ) % {"name": other_name, "nik": nik_mask(nik), "column": confirm_column}
        else:
            message = gettext(
                "This looks like a worker registered in another region with the same birth date. If they "
                "are different people, write ya in the column %(column)s."
            ) % {"column": confirm_column}
        outcome.reject(row, columns["name"], message)
    for row, (earlier, earlier_name) in in_file.items():
        message = gettext(
            "This looks like %(name)s in row %(row)d of this file, with the same birth date in this regency "
            "and another NIK. If they are different people, write ya in the column %(column)s."
        ) % {"name": earlier_name, "row": earlier, "column": confirm_column}
        outcome.reject(row, columns["name"], message)


def _alike_pairs(pairs: Iterator[tuple[int, str, str, Any]], *, skip: Container[int]) -> Iterator[tuple[int, str, Any]]:
    """(row, other name, other) of the pairs, ordered by row, whose names are alike as the registration form
    judges them (rapidfuzz's token sort ratio of the case- and punctuation-folded names); rows in ``skip``
    are passed over."""
    ratio, cutoff = fuzz.token_sort_ratio, LIKELY_DUPLICATE_SCORE
    current, folded = -1, ""
    for row, name, other_name, other in pairs:
        if row in skip:
            continue
        if row != current:
            current, folded = row, _fold(name)
        if ratio(folded, _fold(other_name), score_cutoff=cutoff):
            yield row, other_name, other


def _fold(name: str) -> str:
    return _PUNCTUATION.sub(" ", name.casefold())


def full_regencies(programme: Programme, regencies: list[str]) -> dict[str, int]:
    """{regency: quota} of the regencies among ``regencies`` whose quota places are all held."""
    quotas = dict(
        RegencyQuota.objects.filter(programme=programme, regency_id__in=regencies).values_list("regency_id", "quota")
    )
    taken = quota_taken(programme, list(quotas), QUOTA_STATUSES)
    return {code: quota for code, quota in quotas.items() if taken.get(code, 0) >= quota}


def _quota(staging: Staging, outcome: Outcome, *, programme: Programme, column: str) -> None:
    full = full_regencies(programme, staging.regencies())
    if not full:
        return
    names = dict(Region.objects.filter(code__in=full).values_list("code", "name"))
    rows = staging.rows_in_regencies(list(full))
    for row, regency in rows:
        outcome.reject(
            row,
            column,
            # The registry's sentence (enrolment_verify), so that it reads the same everywhere.
            ngettext(
                "The quota of %(quota)s worker for %(regency)s in programme %(code)s is full.",
                "The quota of %(quota)s workers for %(regency)s in programme %(code)s is full.",
                full[regency],
            )
            % {"quota": full[regency], "regency": names.get(regency, regency), "code": programme.code},
        )
    staging.remove(row for row, _ in rows)
