"""Reading uploads: scoped by the uploader's region, like the audit log."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import scope_code_q
from lindung.imports.models import ImportBatch
from lindung.programmes.models import Programme


def import_batches(*, user: User | AnonymousUser) -> QuerySet[ImportBatch]:
    """The uploads made in ``user``'s region (by its operators, or the user's own)."""
    own = Q(uploaded_by_id=user.pk) if user.is_authenticated else Q(pk__in=[])
    return ImportBatch.objects.filter(scope_code_q(user) | own).select_related("programme", "uploaded_by")


def programmes_open_to(*, user: User | AnonymousUser) -> QuerySet[Programme]:
    """Programmes taking proposals whose region overlaps ``user``'s: above it (a provincial programme for a
    regency operator) or below it (a regency programme for a provincial administrator)."""
    return (
        Programme.objects.filter(open_for_proposals=True)
        .filter(scope_code_q(user, "region__code", with_ancestors=True))
        .order_by("-coverage_start", "code")
    )
