"""What every billing and payment step shares: who may take it, and how it is refused.

``actor=None`` is the system (``lindung bill``, run by the operator of the installation): it needs no
role, and its steps are still audited, with no user.
"""

from __future__ import annotations

from django.http import Http404

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.errors import RefusedStep
from lindung.programmes.models import Programme


class ContributionError(RefusedStep):
    """A refused billing or payment step, in one sentence; ``field`` names the form field, if any."""


def finance_require(actor: User | None, programme: Programme) -> None:
    """A finance officer whose region covers the programme's, or the system; others are refused."""
    if actor is None:
        return
    require(actor, Action.FINANCE_MANAGE)
    # Outside the region the programme does not exist for the user (as every scoped page answers).
    if not scope_of(actor).covers(programme.region_id):
        raise Http404
