"""Restriction of processing (UU 27/2022), the registry's side: the one sentence every path gives when it refuses
to propose, export or show whole a worker whose ``restricted_since`` is set. Set and lifted by ``pdp.restriction``.
"""

from __future__ import annotations

from django.utils.translation import gettext

from lindung.errors import RefusedStep
from lindung.workers.models import Worker


def restriction_refusal() -> str:
    """The one sentence every path gives when it refuses to process a restricted worker."""
    return gettext(
        "The person asked to restrict the processing of their data: this record cannot be proposed, exported or "
        "shown whole until the data protection officer lifts the restriction."
    )


def refuse_if_restricted(worker: Worker) -> None:
    """Raise the refusal when ``worker``'s processing is restricted (for a path that handles one worker)."""
    if worker.restricted_since is not None:
        raise RefusedStep(restriction_refusal())
