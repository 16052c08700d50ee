"""Restriction of processing (UU 27/2022), as every path asks it: the one sentence, the one-worker check, the
set form for querysets, and what an export shows in place of a restricted person.

``Worker.restricted_since`` is the one flag; the data protection officer sets and lifts it
(``lindung.pdp.restriction``). The rule lives here, in the registry's layer, because the paths that ask it
(proposals, the import, the whole-NIK sight, the exports, the API) sit in the layers above the registry and below
``pdp`` (``docs/decisions/0019``).

What a restriction stops: a new proposal (and a proposal again, a verification, a place in a new BPJS batch), a
sight of the whole NIK and birth date, and the person's name and NIK in every export of lists. What it leaves:
the record itself, its masked page, active cover and its billing, and every count and figure.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from lindung.errors import RefusedStep
from lindung.workers.models import Worker


def restriction_refusal() -> str:
    """The one sentence every path gives when it refuses to process a restricted worker."""
    return gettext(
        "The person asked to restrict the processing of their data: this record cannot be proposed, exported or "
        "shown whole until the data protection officer lifts the restriction."
    )


def restricted_problem(worker: Worker) -> str | None:
    """The row form of the rule: the refusal when ``worker``'s processing is restricted."""
    return restriction_refusal() if worker.restricted_since is not None else None


def refuse_if_restricted(worker: Worker) -> None:
    """Raise the refusal when ``worker``'s processing is restricted (for a path that handles one worker)."""
    if (problem := restricted_problem(worker)) is not None:
        raise RefusedStep(problem)


def restricted_q(path: str = "") -> Q:
    """The set form: a condition true for the restricted workers' rows. ``path`` leads from the queryset's model
    to the worker (``"worker__"`` for enrolments and invoice lines, ``""`` for workers)."""
    return Q(**{f"{path}restricted_since__isnull": False})


def withheld() -> str:
    """What an export writes in place of a restricted person's name and NIK: the row and its figures stay."""
    return gettext("(processing restricted)")


def exported_identity(*, nik_masked: str, name: str, restricted: bool) -> tuple[str, str]:
    """(NIK, name) as an export writes them: the masked NIK and the name, or ``withheld()`` for both while the
    person's processing is restricted. Every export of a list of people passes its rows through here."""
    if restricted:
        return withheld(), withheld()
    return nik_masked, name
