"""Writing the audit log. Every service that writes calls ``audit_record`` inside its transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models

from lindung.audit.models import AuditEntry

if TYPE_CHECKING:  # the log sits below the accounts: it names its actor, it does not use them
    from lindung.accounts.models import User


def audit_record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model | None = None,
    region_code: str = "",
    changes: dict[str, Any] | None = None,
    note: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor,
        actor_username=actor.get_username() if actor else "",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        region_code=region_code,
        changes=changes or {},
        note=note,
    )


def audit_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields whose value differs."""
    return {k: [before.get(k), after.get(k)] for k in after if before.get(k) != after.get(k)}
