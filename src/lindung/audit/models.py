from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lindung.audit.channel import current_audit_channel


class AuditEntry(models.Model):
    """One write, or one sight of personal data, by someone: append-only.

    ``action`` is a dotted code (``worker.registered``, ``enrolment.verified``, ``worker.nik_viewed``);
    ``changes`` holds {field: [before, after]}. ``region_code`` lets the log itself be region-scoped.
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    # Not indexed: the log is searched by ``actor_username``, and an index here would be paid on each of the
    # two entries per row of a million-row import. No database key either (decision 0010): its check, paid
    # at commit on each of those two million entries, cost 7 s of a million-row import. Django still
    # refuses to delete an account with entries (PROTECT is Django's), and accounts are deactivated, not
    # deleted; the entry keeps the username beside the id, so it says who acted whatever becomes of the id.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        db_constraint=False,
        verbose_name=_("account"),
    )
    # Kept beside the key so the entry still says who acted if the account is renamed.
    actor_username = models.CharField(_("user"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=64)  # indexed by audit_action
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    region_code = models.CharField(_("region"), max_length=13, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    # How the write came: empty from the web, the command line and the worker; ``api client:ID`` or
    # ``api token:ID`` through the API (issue 18), so that the log names the client or token used.
    channel = models.CharField(_("channel"), max_length=32, blank=True, default=current_audit_channel, db_default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["object_type", "object_id", "at"], name="audit_object"),
            models.Index(fields=["region_code", "at"], name="audit_region"),
            # One index for both the exact action and a family of them (``action LIKE 'worker.%'``), where
            # db_index=True would make two on PostgreSQL.
            models.Index(fields=["action"], name="audit_action", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_username or '-'} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise AuditLogIsAppendOnly("an audit entry cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogIsAppendOnly("an audit entry cannot be deleted")


class AuditLogIsAppendOnly(Exception):
    pass
