"""Claims: a work accident or a death reported on an enrolment, followed until BPJS pays or refuses.

A large table at a national rollout, so it carries its region codes (copied from the enrolment) like the
enrolments and the invoice lines. Money is integer rupiah.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Left
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class ClaimType(models.TextChoices):
    """The same codes as ``lindung.claims.benefits.BenefitType`` (the calculator's ``--type``)."""

    JKM = "jkm", _("Death (JKM)")
    JKK_DEATH = "jkk-death", _("Death from a work accident (JKK)")
    JKK_TOTAL_DISABILITY = "jkk-total-disability", _("Total permanent disability (JKK)")
    JKK_PARTIAL_DISABILITY = "jkk-partial-disability", _("Partial disability (JKK)")
    JKK_STMB = "jkk-stmb", _("Temporary incapacity to work (JKK)")


DEATH_TYPES = frozenset({ClaimType.JKM, ClaimType.JKK_DEATH})
ACCIDENT_TYPES = frozenset(set(ClaimType) - {ClaimType.JKM})


class ClaimStatus(models.TextChoices):
    REPORTED = "dilaporkan", _("Reported")
    COMPLETE = "berkas_lengkap", _("Documents complete")
    SUBMITTED = "diajukan_ke_bpjs", _("Submitted to BPJS")
    PAID = "dibayar", _("Paid")
    REJECTED = "ditolak", _("Rejected")


OPEN_STATUSES = frozenset({ClaimStatus.REPORTED, ClaimStatus.COMPLETE, ClaimStatus.SUBMITTED})


class Claim(RegionStamped):
    """One event on one enrolment. The coverage verdict and the estimate are kept as they were computed
    at registration (``covered``, ``coverage_reason``, ``estimate_total``) so reports read them without
    recomputing; the detail page recomputes the estimate from the same fields with the calculator."""

    enrolment = models.ForeignKey(
        "enrolments.Enrolment", on_delete=models.PROTECT, related_name="claims", verbose_name=_("enrolment")
    )
    # Copies of the enrolment's, for lists and the programme report without joins.
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="claims")
    programme = models.ForeignKey("programmes.Programme", on_delete=models.PROTECT, related_name="claims")
    type = models.CharField(_("type"), max_length=24, choices=ClaimType.choices)
    status = models.CharField(_("status"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.REPORTED)
    incident_date = models.DateField(_("date of the event"))
    incident_time = models.TimeField(_("time of the event"), null=True, blank=True)
    incident_place = models.CharField(_("place of the event"), max_length=200)
    description = models.TextField(_("what happened"))
    reporter_name = models.CharField(_("reported by"), max_length=150)
    reporter_relation = models.CharField(_("reporter's relation to the worker"), max_length=100, blank=True)
    reporter_phone = models.CharField(_("reporter's phone"), max_length=16, blank=True)
    reported_at = models.DateTimeField(_("reported at"))
    # An accident reported after 2 × 24 hours (kept at registration, so lists can filter on it).
    reported_late = models.BooleanField(_("reported late"), default=False)
    income = models.BigIntegerField(_("declared monthly income (Rp)"))
    disability_percent = models.DecimalField(_("disability (%)"), max_digits=5, decimal_places=2, null=True, blank=True)
    stmb_months = models.PositiveSmallIntegerField(_("months unable to work"), null=True, blank=True)
    covered = models.BooleanField(_("covered on the day"))
    coverage_reason = models.CharField(_("coverage check"), max_length=16)
    coverage_message = models.CharField(_("coverage check result"), max_length=300)
    paid_months = models.PositiveIntegerField(_("months of contributions paid"), default=0)
    estimate_total = models.BigIntegerField(_("estimated benefit (Rp)"), default=0)
    documents = models.JSONField(_("documents received"), default=list, blank=True)
    paid_amount = models.BigIntegerField(_("amount paid by BPJS (Rp)"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    status_changed_at = models.DateTimeField(_("status changed at"))
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("claim")
        verbose_name_plural = _("claims")
        indexes = [
            models.Index(fields=["regency_code", "-reported_at"], name="claim_regency_reported"),
            models.Index(fields=["province_code", "-reported_at"], name="claim_province_reported"),
            models.Index(fields=["programme", "status", "type"], name="claim_programme_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(type__in=ClaimType.values), name="claim_known_type"),
            models.CheckConstraint(condition=Q(status__in=ClaimStatus.values), name="claim_known_status"),
            models.CheckConstraint(condition=Q(income__gt=0), name="claim_income_positive"),
            models.CheckConstraint(condition=Q(estimate_total__gte=0), name="claim_estimate_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.PAID) | Q(paid_amount__gte=0, paid_on__isnull=False),
                name="claim_paid_has_amount_and_date",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.REJECTED) | ~Q(rejection_reason=""),
                name="claim_rejected_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(type=ClaimType.JKK_PARTIAL_DISABILITY)
                | Q(disability_percent__gt=0, disability_percent__lte=100),
                name="claim_partial_has_percent",
            ),
            models.CheckConstraint(
                condition=~Q(type=ClaimType.JKK_STMB) | Q(stmb_months__gte=1), name="claim_stmb_has_months"
            ),
            models.CheckConstraint(
                condition=Exact(Left("village", 5), F("regency_code")), name="claim_village_in_regency"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.type} {self.status}"

    @property
    def is_death(self) -> bool:
        return self.type in DEATH_TYPES

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
