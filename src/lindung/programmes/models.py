from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lindung.inputs import era_refusal
from lindung.programmes.rates import programme_pricing_refusals


class FunderType(models.TextChoices):
    APBD_PROVINSI = "apbd_provinsi", _("Provincial budget (APBD provinsi)")
    APBD_KABKOTA = "apbd_kabkota", _("Regency/city budget (APBD kabupaten/kota)")
    APBDES = "apbdes", _("Village budget (APBDes)")
    APBN = "apbn", _("State budget (APBN)")
    CSR = "csr", _("CSR / donor")

    @classmethod
    def government(cls) -> list[str]:
        """Funders paid from a state or regional budget: no PP 50/2025 discount, no overlapping coverage."""
        return [cls.APBD_PROVINSI, cls.APBD_KABKOTA, cls.APBDES, cls.APBN]


class Programme(models.Model):
    """A funded coverage programme: who pays, for which region and months, how many workers, with what money."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    funder_type = models.CharField(_("funder type"), max_length=16, choices=FunderType.choices)
    funder_name = models.CharField(_("funder"), max_length=200)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("region"))
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    # Coverage months: first day of the first month to the last day of the last month.
    coverage_start = models.DateField(_("coverage from"))
    coverage_end = models.DateField(_("coverage until"))
    budget_ceiling = models.BigIntegerField(_("budget ceiling (Rp)"))
    target_workers = models.PositiveIntegerField(_("target (workers)"))
    declared_income = models.BigIntegerField(_("declared monthly income (Rp)"), default=1_000_000)
    includes_jkk = models.BooleanField(_("JKK (work accident)"), default=True)
    includes_jkm = models.BooleanField(_("JKM (death)"), default=True)
    includes_jht = models.BooleanField(_("JHT (old-age savings)"), default=False)
    open_for_proposals = models.BooleanField(_("open for proposals"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-coverage_start", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(coverage_end__gte=F("coverage_start")), name="programme_period_order"),
            models.CheckConstraint(condition=Q(budget_ceiling__gte=0), name="programme_budget_not_negative"),
            models.CheckConstraint(condition=Q(declared_income__gt=0), name="programme_income_positive"),
            models.CheckConstraint(
                condition=Q(includes_jkk=True) | Q(includes_jkm=True), name="programme_has_jkk_or_jkm"
            ),
            models.CheckConstraint(condition=Q(funder_type__in=FunderType.values), name="programme_known_funder_type"),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def clean(self) -> None:
        """What the admin's form checks before saving: a period in the programme era whose months the budget,
        the dashboard and the reports can price (``programme_pricing_refusals``). A programme they could not
        price made those pages fail for everybody."""
        errors = {
            name: refusal
            for name in ("coverage_start", "coverage_end")
            if (day := getattr(self, name)) is not None and (refusal := era_refusal(day))
        }
        if not errors and self.coverage_start is not None and self.coverage_end is not None:
            if self.coverage_end < self.coverage_start:
                return  # the database's own check says so
            errors = programme_pricing_refusals(self)
        if errors:
            raise ValidationError(errors)

    @property
    def is_government_funded(self) -> bool:
        return self.funder_type in FunderType.government()


class RegencyQuota(models.Model):
    """How many workers of one regency/city a programme may cover."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="quotas")
    regency = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    quota = models.PositiveIntegerField(_("quota"))

    class Meta:
        verbose_name = _("regency quota")
        verbose_name_plural = _("regency quotas")
        ordering = ["regency_id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "regency"], name="quota_one_per_regency"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.regency_id}: {self.quota}"
