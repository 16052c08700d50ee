"""Deaths reported by the civil registry (Dukcapil): each one matched to a worker waits for a person's decision.

A notice never ends anything by itself (Brazil's CadÚnico learned that a civil-registry feed marks living people
as dead): a person with the right role confirms it (the worker's active enrolments end, reason died, and a JKM
claim is opened as a draft) or dismisses it. ``DeathMessage`` keeps every message received, by its sender's
``message_id``, so that the same message again changes nothing; a death that matches no worker leaves no
personal data behind, only the message's counts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class DeathSource(models.TextChoices):
    DCI_NOTIFY = "dci_notify", _("DCI notification")
    DUKCAPIL = "dukcapil", _("Dukcapil adapter")


class DeathMessage(models.Model):
    """One message of deaths as received: by whom, under which ``message_id``, and what Lindung answered."""

    source = models.CharField(_("source"), max_length=16, choices=DeathSource.choices)
    sender = models.ForeignKey(
        "accounts.ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sender"),
    )
    message_id = models.CharField(_("message id"), max_length=100)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    events = models.PositiveIntegerField(_("events"), default=0)
    queued = models.PositiveIntegerField(_("notices queued"), default=0)
    # Per event: its reference_id and outcome (queued, not_found, already_known, not_a_death, invalid), no NIK:
    # the same message again is answered with exactly this.
    outcomes = models.JSONField(_("outcomes"), default=list, blank=True)

    class Meta:
        verbose_name = _("death message")
        verbose_name_plural = _("death messages")
        constraints = [
            models.UniqueConstraint(
                fields=["sender", "message_id"], condition=Q(sender__isnull=False), name="death_message_once_per_sender"
            ),
            models.UniqueConstraint(
                fields=["source", "message_id"], condition=Q(sender__isnull=True), name="death_message_once_per_source"
            ),
            models.CheckConstraint(condition=Q(source__in=DeathSource.values), name="death_message_known_source"),
        ]

    def __str__(self) -> str:
        return f"{self.source}:{self.message_id}"


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class DeathNotice(RegionStamped):
    """A reported death matched by NIK to a worker; its region columns are the worker's."""

    message = models.ForeignKey(DeathMessage, on_delete=models.PROTECT, related_name="notices")
    reference_id = models.CharField(_("reference id"), max_length=100)
    nik = models.CharField(_("NIK"), max_length=16)
    died_on = models.DateField(_("date of death"))
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="death_notices")
    status = models.CharField(_("status"), max_length=12, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dismiss_reason = models.TextField(_("reason for dismissal"), blank=True)
    claim = models.ForeignKey(
        "claims.Claim", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("claim")
    )
    # The event as the civil registry sent it (its person record), for the reviewer and the audit.
    event = models.JSONField(_("event as received"), default=dict, blank=True)

    class Meta:
        verbose_name = _("death notice")
        verbose_name_plural = _("death notices")
        indexes = [
            models.Index(fields=["regency_code", "status", "-received_at"], name="death_notice_regency_status"),
            models.Index(fields=["province_code", "status", "-received_at"], name="death_notice_province_status"),
            models.Index(fields=["worker", "status"], name="death_notice_worker_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["message", "reference_id"], name="death_notice_once_per_event"),
            models.CheckConstraint(condition=Q(status__in=NoticeStatus.values), name="death_notice_known_status"),
            models.CheckConstraint(
                condition=Q(status=NoticeStatus.PENDING) | Q(decided_at__isnull=False, decided_by__isnull=False),
                name="death_notice_decided_by_someone",
            ),
            models.CheckConstraint(
                condition=~Q(status=NoticeStatus.DISMISSED) | ~Q(dismiss_reason=""),
                name="death_notice_dismissed_has_reason",
            ),
            models.CheckConstraint(
                condition=Exact(Left("village", 5), F("regency_code")), name="death_notice_village_in_regency"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.status}"
