"""What the review queue reads: notices in the user's region, newest first."""

from __future__ import annotations

from django.db.models import QuerySet

from lindung.accounts.models import User
from lindung.accounts.scope import scope_queryset
from lindung.civil_registry.models import DeathNotice


def death_notices(user: User, *, status: str = "") -> QuerySet[DeathNotice]:
    notices = DeathNotice.objects.select_related("worker", "village", "decided_by", "claim")
    if status:
        notices = notices.filter(status=status)
    return scope_queryset(notices, user).order_by("-received_at", "-pk")
