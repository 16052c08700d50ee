"""The rule set for proposing a worker, applied to an upload's clean rows at once, on its staging table.

The rules and their sentences are the rule set's (``lindung.enrolments.proposals``, which lists them, and
``lindung.workers.registration``), the ones the registration form and ``enrolment_propose`` apply to one
worker: here only their set forms run. Rows whose NIK is registered: in another regency or outside the
uploader's region (rejected), a person whose processing is restricted (rejected), already in the programme
(skipped, or rejected with what to do when that enrolment was rejected or has ended), covered by overlapping
government-funded coverage (rejected); new workers: the age limit, likely duplicates unless confirmed; then the
rows of regencies whose quota is full.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from itertools import batched
from typing import Any

from django.db import connection

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.enrolments.proposals import (
    STANDING,
    full_regencies,
    in_programme,
    overlap,
    overlapping_government_enrolments,
    quota_full,
)
from lindung.imports.staging import Staging
from lindung.programmes.models import Programme
from lindung.regions.models import Region
from lindung.spreadsheets.errors import RowErrors
from lindung.workers import registration
from lindung.workers.models import Worker
from lindung.workers.nik_hash import nik_keyed_hash
from lindung.workers.restriction import restriction_refusal

_OVERLAP_CHUNK = 2_000
_HASH_CHUNK = 10_000  # keyed hashes per look-up on PostgreSQL
_IN_CHUNK = 900  # parameters per IN (...) on SQLite: under its default limit


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
    _registered_before(staging, outcome, column=columns["nik"])
    limit = registration.age_limit(today)
    for row, birth_date in staging.too_old():
        problem = registration.too_old(birth_date, today=today, limit=limit)
        assert problem is not None  # the cleaning flagged the row with the same rule
        outcome.reject(row, columns["birth_date"], problem)
    _likely_duplicates(staging, outcome, actor=actor, columns=columns)
    staging.remove([*outcome.rejected, *outcome.skipped])
    _quota(staging, outcome, programme=programme, column=columns.get("village_code") or columns.get("village", ""))
    return outcome


def _registered(staging: Staging, outcome: Outcome, *, actor: User, programme: Programme, column: str) -> None:
    """Rows whose NIK is registered: outside the uploader's region or in another regency (rejected), the
    person's processing restricted (rejected, ``lindung.workers.restriction``), already in the programme
    (skipped, or rejected), covered by an overlapping government-funded programme (rejected). A registered NIK
    in the row's own regency is that worker, proposed for the programme."""
    scope = scope_of(actor)
    pending: list[tuple[int, int]] = []  # (row, worker id) still to check for overlaps
    foreign: list[tuple[int, str, str]] = []  # (row, village, regency) registered in another regency
    for row, row_regency, worker_id, village, regency, status, restricted in staging.registered(programme.pk):
        if not scope.covers(village) or row_regency != regency:
            foreign.append((row, village, regency))
        elif restricted:
            # Before the skip of a standing enrolment: the row is not processed, and the uploader is told why.
            outcome.reject(row, column, restriction_refusal())
        elif status in STANDING:
            outcome.skipped.add(row)  # proposed, verified, sent or active: the file changes nothing
        elif status is not None:
            outcome.reject(row, column, in_programme(status, programme))
        else:
            pending.append((row, worker_id))
    if foreign:
        names = dict(Region.objects.filter(code__in={regency for *_, regency in foreign}).values_list("code", "name"))
        for row, village, regency in foreign:
            message = registration.already_registered(
                holder_village=village, regency_name=names.get(regency, regency), scope=scope
            )
            outcome.reject(row, column, message)
    for chunk in batched(pending, _OVERLAP_CHUNK):
        overlapping = overlapping_government_enrolments([worker_id for _, worker_id in chunk], programme)
        for row, worker_id in chunk:
            if worker_id in overlapping:
                outcome.reject(row, column, overlap(overlapping[worker_id]))


def _registered_before(staging: Staging, outcome: Outcome, *, column: str) -> None:
    """New rows whose NIK a worker since anonymised held (found by its keyed hash): rejected, as the registration
    form refuses them (``registration.registered_before``). Nothing to look up while nobody is anonymised."""
    if not Worker.objects.exclude(nik_hash="").exists():
        return
    chunk_size = _HASH_CHUNK if connection.vendor == "postgresql" else _IN_CHUNK
    found: list[tuple[int, str, dt.date]] = []
    for chunk in batched(staging.new_niks(), chunk_size):
        hashes = {nik_keyed_hash(nik): row for row, nik in chunk}
        for nik_hash, regency, anonymised_on in (
            Worker.objects.filter(nik_hash__in=list(hashes))
            .exclude(nik_hash="")
            .values_list("nik_hash", "regency_code", "anonymised_on")
        ):
            if anonymised_on is not None:  # always, with a hash (the table's check)
                found.append((hashes[nik_hash], regency, anonymised_on))
    if not found:
        return
    names = dict(Region.objects.filter(code__in={regency for _, regency, _ in found}).values_list("code", "name"))
    for row, regency, anonymised_on in sorted(found):
        message = registration.registered_before(regency_name=names.get(regency, regency), anonymised_on=anonymised_on)
        outcome.reject(row, column, message)


def _likely_duplicates(staging: Staging, outcome: Outcome, *, actor: User, columns: dict[str, str]) -> None:
    """A new worker whose name is like a registered worker's of the same regency and birth date, or like an
    earlier row's of the file, is rejected unless the row confirms it (the form's "likely duplicate"
    question, asked by a column).

    A large upload yields millions of candidate pairs (same regency, same birth date, names of close
    length), so the loop over them is kept lean: the pairs come unordered and carry ids rather than personal
    data, each name is folded once, and only the few matches are ordered (a row's registered look-alikes by
    id, its earliest look-alike in the file) and looked up afterwards."""
    scope = scope_of(actor)
    confirm = registration.likely_duplicate_confirm_by_column(columns.get("confirm_not_duplicate", "Bukan Duplikat"))
    registered: dict[int, list[int]] = {}  # row → the registered workers it looks like, by id
    for row, _name, other in _alike_pairs(staging.look_alikes(), skip=outcome.rejected):
        registered.setdefault(row, []).append(other)
    in_file: dict[int, tuple[int, str]] = {}  # row → (the earliest row it looks like, that row's name)
    taken = outcome.rejected | registered.keys()
    for row, earlier_name, earlier in _alike_pairs(staging.look_alikes_in_file(), skip=taken):
        if row not in in_file or earlier < in_file[row][0]:
            in_file[row] = (earlier, earlier_name)
    workers = {
        pk: (name, nik, village)
        for chunk in batched(sorted({pk for pks in registered.values() for pk in pks}), _OVERLAP_CHUNK)
        for pk, name, nik, village in Worker.objects.filter(pk__in=chunk).values_list("pk", "name", "nik", "village")
    }
    for row in sorted(registered):
        sentence = registration.likely_duplicate([workers[pk] for pk in sorted(registered[row])], scope=scope)
        outcome.reject(row, columns["name"], f"{sentence} {confirm}")
    for row in sorted(in_file):
        earlier, earlier_name = in_file[row]
        sentence = registration.likely_duplicate_in_file(name=earlier_name, row=earlier)
        outcome.reject(row, columns["name"], f"{sentence} {confirm}")


_FOLDED_LIMIT = 200_000  # distinct names whose folded form is kept while the pairs stream by


def _alike_pairs(pairs: Iterator[tuple[int, str, str, Any]], *, skip: Container[int]) -> Iterator[tuple[int, str, Any]]:
    """(row, other name, other) of the pairs whose names are alike as the registration form judges them
    (``registration.names_alike``), in the pairs' order; rows in ``skip`` are passed over. The same names
    come back in pair after pair (a row meets every look-alike candidate, and common names recur), so each
    is folded once."""
    alike, fold = registration.names_alike, registration.fold_name
    folded: dict[str, str] = {}
    for row, name, other_name, other in pairs:
        if row in skip:
            continue
        if (a := folded.get(name)) is None:
            a = fold(name)
            if len(folded) < _FOLDED_LIMIT:
                folded[name] = a
        if (b := folded.get(other_name)) is None:
            b = fold(other_name)
            if len(folded) < _FOLDED_LIMIT:
                folded[other_name] = b
        if alike(a, b):
            yield row, other_name, other


def _quota(staging: Staging, outcome: Outcome, *, programme: Programme, column: str) -> None:
    full = full_regencies(programme, staging.regencies())
    if not full:
        return
    names = dict(Region.objects.filter(code__in=full).values_list("code", "name"))
    rows = staging.rows_in_regencies(list(full))
    for row, regency in rows:
        message = quota_full(quota=full[regency], regency_name=names.get(regency, regency), programme=programme)
        outcome.reject(row, column, message)
    staging.remove(row for row, _ in rows)
