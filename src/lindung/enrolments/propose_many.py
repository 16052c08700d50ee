"""Proposing many workers for one programme in one step: the API's list of proposals (``POST
/api/v1/enrolments/proposals``), for a system that sends a village's or a day's proposals at once.

The rules are ``proposals``' set forms, the same the spreadsheet import applies to a whole upload, with the same
sentences; so a list is judged as the form judges each of its workers. All or nothing, like an upload: when any
worker is refused, ``ProposalsRefused`` names each refused one by its place in the list and nothing is written.

One transaction and a fixed number of statements whatever the length of the list: the workers locked in id order
(two lists sharing workers wait for each other instead of deadlocking, and a single proposal of the same worker
waits too), their enrolments in the programme, their overlapping coverage and the regencies' quotas read once
each, then one insert of the enrolments and one of their audit entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_queryset
from lindung.audit.models import AuditEntry
from lindung.enrolments import proposals
from lindung.enrolments.models import Enrolment, Status
from lindung.enrolments.services import EnrolmentError
from lindung.errors import RefusedStep
from lindung.programmes.models import Programme
from lindung.workers.models import Worker
from lindung.workers.restriction import restricted_problem

# A list is one transaction holding its workers' rows: bounded, so that one request cannot hold a regency.
MAX_PROPOSALS = 500


@dataclass(frozen=True)
class Refusal:
    index: int  # the worker's place in the list, from 0
    message: str


class ProposalsRefused(RefusedStep):
    """Some workers of a list cannot be proposed: each with its sentence; nothing was written."""

    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__(
            gettext("No worker of the list was proposed: correct or remove the refused ones and send it again.")
        )
        self.refusals = refusals


def enrolment_propose_many(*, actor: User, programme: Programme, worker_ids: Sequence[int]) -> list[Enrolment]:
    """Propose every worker of ``worker_ids`` for ``programme``, in the list's order, or none of them."""
    require(actor, Action.ENROLMENT_PROPOSE)
    if not worker_ids:
        raise EnrolmentError(gettext("The list of workers is empty."), field="workers")
    if len(worker_ids) > MAX_PROPOSALS:
        raise EnrolmentError(
            gettext("A list holds at most %(count)d workers; send the rest in another.") % {"count": MAX_PROPOSALS},
            field="workers",
        )
    with transaction.atomic():
        programme = Programme.objects.get(pk=programme.pk)
        if (closed := proposals.programme_closed(programme)) is not None:
            raise EnrolmentError(closed, field="programme")
        wanted = sorted(set(worker_ids))
        # Outside the actor's region is "not found", as a single proposal's 404: the list tells no more.
        workers = {
            worker.pk: worker
            for worker in scope_queryset(Worker.objects.filter(pk__in=wanted), actor)
            .select_for_update()
            .order_by("pk")
            .only("pk", "village_id", "province_code", "regency_code", "restricted_since")
        }
        # By the workers alone, as a single proposal reads them (``services.enrolment_propose`` says why).
        standing = {
            worker_id: status
            for worker_id, programme_id, status in Enrolment.objects.filter(worker_id__in=wanted).values_list(
                "worker_id", "programme_id", "status"
            )
            if programme_id == programme.pk
        }
        overlapping = proposals.overlapping_government_enrolments(list(workers), programme)
        full = proposals.full_regencies(programme, sorted({w.regency_code for w in workers.values()}))
        refusals = [
            Refusal(index, message)
            for index, message in _problems(worker_ids, workers, programme, standing, overlapping, full)
        ]
        if refusals:
            raise ProposalsRefused(refusals)
        enrolments = [_proposed(workers[worker_id], programme) for worker_id in worker_ids]
        try:
            with transaction.atomic():
                Enrolment.objects.bulk_create(enrolments)
        except IntegrityError:
            # Only a path that does not lock the worker can get here first (the import's set-based write).
            raise EnrolmentError(
                gettext("Some of these workers were proposed meanwhile; send the list again.")
            ) from None
        AuditEntry.objects.bulk_create(
            AuditEntry(
                actor=actor,
                actor_username=actor.get_username(),
                action="enrolment.proposed",
                object_type=Enrolment._meta.label_lower,
                object_id=str(enrolment.pk),
                region_code=enrolment.village_id,
                changes={
                    "status": [None, str(Status.PROPOSED)],
                    "programme": [None, programme.code],
                    "worker": [None, enrolment.worker_id],
                },
            )
            for enrolment in enrolments
        )
    return enrolments


def _problems(
    worker_ids: Sequence[int],
    workers: dict[int, Worker],
    programme: Programme,
    standing: dict[int, str],
    overlapping: dict[int, tuple[str, str]],
    full: dict[str, int],
) -> list[tuple[int, str]]:
    """(index, sentence) of each refused worker, the first rule that refuses it, in the single proposal's order."""
    problems: list[tuple[int, str]] = []
    seen: set[int] = set()
    for index, worker_id in enumerate(worker_ids):
        worker = workers.get(worker_id)
        if worker_id in seen:
            problems.append((index, gettext("This worker is listed twice.")))
        elif worker is None:
            problems.append((index, gettext("There is no worker with this id in your region.")))
        elif (restricted := restricted_problem(worker)) is not None:
            problems.append((index, restricted))
        elif (outside := proposals.outside_programme(worker.village_id, programme)) is not None:
            problems.append((index, outside))
        elif (status := standing.get(worker_id)) is not None:
            problems.append((index, proposals.in_programme(status, programme)))
        elif (first := overlapping.get(worker_id)) is not None:
            problems.append((index, proposals.overlap(first)))
        elif worker.regency_code in full:
            regency = proposals.regency_name(worker.regency_code)
            quota = full[worker.regency_code]
            problems.append((index, proposals.quota_full(quota=quota, regency_name=regency, programme=programme)))
        seen.add(worker_id)
    return problems


def _proposed(worker: Worker, programme: Programme) -> Enrolment:
    enrolment = Enrolment(worker=worker, programme=programme, status=Status.PROPOSED, village_id=worker.village_id)
    enrolment.stamp_region()
    return enrolment
