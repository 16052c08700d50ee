from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class Status(models.TextChoices):
    PROPOSED = "diusulkan", _("Proposed")
    VERIFIED = "terverifikasi", _("Verified")
    REJECTED = "ditolak", _("Rejected")
    SENT = "dikirim", _("Sent to BPJS")
    ACTIVE = "aktif", _("Active")
    ENDED = "berakhir", _("Ended")


class EndReason(models.TextChoices):
    PROGRAMME_ENDED = "programme_ended", _("Programme ended")
    DIED = "died", _("Died")
    AGE_LIMIT = "age_limit", _("Age limit")
    MOVED_AWAY = "moved_away", _("Moved away")
    DUPLICATE = "duplicate", _("Duplicate")
    WITHDREW = "withdrew", _("Withdrew")
    LAPSED = "lapsed", _("Lapsed (unpaid)")


class BpjsBatch(models.Model):
    """Verified enrolments of one programme handed to BPJS together, numbered 1, 2, 3... per programme."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="bpjs_batches")
    number = models.PositiveIntegerField(_("batch number"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(_("enrolments"), default=0)
    # The sender's region, so that the list of batches is region-scoped like the audit log and the uploads: a
    # regency's staff see their own batches, the province's see every batch of the province.
    region_code = models.CharField(_("region"), max_length=13, blank=True)
    # The registration file as it was handed out, written in the transaction that created the batch
    # (``lindung.enrolments.bpjs.bpjs_batch_create``) and downloaded again byte for byte. Empty only for the
    # batches sent before files were kept.
    file = models.FileField(_("batch file"), upload_to="bpjs/", blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("BPJS batch")
        verbose_name_plural = _("BPJS batches")
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "number"], name="bpjs_batch_number_per_programme"),
            models.CheckConstraint(condition=Q(number__gte=1), name="bpjs_batch_number_positive"),
            models.CheckConstraint(
                condition=Q(file="") | Q(sha256__regex=r"^[0-9a-f]{64}$"), name="bpjs_batch_file_sum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} #{self.number}"


class Enrolment(RegionStamped):
    """A worker in a programme: proposed → verified/rejected → sent to BPJS → active (KPJ) → ended.

    The region columns are the worker's at proposal time, so a regency's billing and lists stay on
    its own rows.
    """

    # Neither key has an index of its own: enrolment_one_per_worker_programme starts with the worker,
    # enrolment_prog_status with the programme (every index is paid on each of a million imported rows).
    worker = models.ForeignKey(
        "workers.Worker",
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("worker"),
        db_index=False,
    )
    programme = models.ForeignKey(
        "programmes.Programme",
        on_delete=models.PROTECT,
        related_name="enrolments",
        verbose_name=_("programme"),
        db_index=False,
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PROPOSED)
    kpj = models.CharField(_("membership number (KPJ)"), max_length=11, blank=True)
    coverage_start = models.DateField(_("coverage from"), null=True, blank=True)
    coverage_end = models.DateField(_("coverage until"), null=True, blank=True)
    # The day BPJS's activation was recorded (``enrolment_activate``, ``enrolment_settle_bulk``). A month of
    # coverage before it that was never billed falls due with the activation's month, not its own
    # (``lindung.contributions.months_owed``). Empty for enrolments activated before it was kept: no postponement.
    activated_on = models.DateField(_("activated on"), null=True, blank=True)
    end_reason = models.CharField(_("end reason"), max_length=20, choices=EndReason.choices, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    batch = models.ForeignKey(
        BpjsBatch,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="enrolments",
        verbose_name=_("BPJS batch"),
    )
    proposed_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        indexes = [
            models.Index(fields=["programme", "regency_code", "status"], name="enrolment_prog_regency_status"),
            models.Index(fields=["programme", "status"], name="enrolment_prog_status"),
            models.Index(fields=["kpj"], name="enrolment_kpj"),
            # The list's default order (newest proposal first) within a regency or the province.
            models.Index(fields=["regency_code", "-proposed_at"], name="enrolment_regency_proposed"),
            models.Index(fields=["province_code", "-proposed_at"], name="enrolment_province_proposed"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["worker", "programme"], name="enrolment_one_per_worker_programme"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="enrolment_known_status"),
            models.CheckConstraint(condition=Q(kpj="") | Q(kpj__regex=r"^[0-9]{11}$"), name="enrolment_kpj_11_digits"),
            models.CheckConstraint(
                condition=~Q(status=Status.ACTIVE) | (~Q(kpj="") & Q(coverage_start__isnull=False)),
                name="enrolment_active_has_kpj_and_start",
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.ENDED) | ~Q(end_reason=""), name="enrolment_ended_has_reason"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.REJECTED) | ~Q(rejection_reason=""),
                name="enrolment_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(coverage_end__isnull=True)
                | Q(coverage_start__isnull=True)
                | Q(coverage_end__gte=F("coverage_start")),
                name="enrolment_coverage_order",
            ),
            models.CheckConstraint(
                condition=Exact(Left("village", 5), F("regency_code")), name="enrolment_village_in_regency"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id}:{self.worker_id} {self.status}"
