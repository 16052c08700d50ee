"""The dashboard's summary tables: counts per programme and village, rebuilt together by ``dashboard_refresh``.

Live GROUP BYs over a million enrolments and twelve million invoice lines cost seconds (BENCHMARKS.md,
"Dashboard"), so the figures that need them are counted once per refresh (nightly, after the coverage
job, or on request) into these tables, a few thousand rows per programme, and the page adds those up.
``Refresh`` says how fresh they are. Nothing here is typed in: every row is derived, and the whole set is
replaced in one transaction, so a reader sees either the old set or the new one.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class Refresh(models.Model):
    """One rebuild of the summary tables. ``as_of`` is the day the figures describe (ages are on that day)."""

    as_of = models.DateField(_("figures as of"))
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"))
    rows = models.PositiveIntegerField(_("rows"), db_default=0)

    class Meta:
        verbose_name = _("dashboard refresh")
        verbose_name_plural = _("dashboard refreshes")
        ordering = ["-finished_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.as_of} ({self.finished_at:%Y-%m-%d %H:%M})"


class SummaryRow(RegionStamped):
    """Region columns (village, its regency and province, and its district for the drill-down) and the programme."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="+")
    district_code = models.CharField(_("district"), max_length=8)

    class Meta:
        abstract = True


class VillageFigure(SummaryRow):
    """Per programme and village: enrolments by stage, workers at risk, contributions billed and paid.

    Each of the three sources inserts its own rows (the other columns stay 0), so a programme and village
    may have up to three rows: readers always add them up."""

    # The headline figures of lindung.contributions.headline, by its definitions, on the refresh's day.
    covered = models.PositiveIntegerField(db_default=0)
    in_process = models.PositiveIntegerField(db_default=0)
    ended = models.PositiveIntegerField(db_default=0)
    arrears_one = models.PositiveIntegerField(db_default=0)  # arrears_1
    arrears_two = models.PositiveIntegerField(db_default=0)  # arrears_2
    arrears_three = models.PositiveIntegerField(db_default=0)  # arrears_3_plus
    billed = models.BigIntegerField(db_default=0)  # rupiah
    contributions_paid = models.BigIntegerField(db_default=0)  # paid, rupiah

    class Meta:
        indexes = [
            models.Index(fields=["regency_code", "programme"], name="dash_village_regency"),
            models.Index(fields=["province_code", "programme"], name="dash_village_province"),
        ]


class DemographicFigure(SummaryRow):
    """Per programme and village: covered (active) workers by occupation category, sex and age band."""

    occupation = models.ForeignKey("workers.OccupationCategory", on_delete=models.CASCADE, related_name="+")
    sex = models.CharField(max_length=1)
    age_band = models.PositiveSmallIntegerField()  # index into lindung.dashboard.services.AGE_BANDS
    covered = models.PositiveIntegerField(db_default=0)

    class Meta:
        indexes = [
            models.Index(fields=["regency_code", "programme"], name="dash_demo_regency"),
            models.Index(fields=["province_code", "programme"], name="dash_demo_province"),
            # The largest summary table: a drill-down into a district should not read the whole province's rows.
            models.Index(fields=["district_code", "programme"], name="dash_demo_district"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="dash_demo_sex_l_or_p"),
        ]


class MonthlyFigure(SummaryRow):
    """Per programme, village and month: coverage that started (activations) or ended that month (in
    separate rows; readers add them up)."""

    month = models.DateField()  # first day of the month
    activated = models.PositiveIntegerField(db_default=0)
    ended = models.PositiveIntegerField(db_default=0)

    class Meta:
        indexes = [
            models.Index(fields=["regency_code", "programme", "month"], name="dash_month_regency"),
            models.Index(fields=["province_code", "programme", "month"], name="dash_month_province"),
        ]


class CoveragePeriodFigure(models.Model):
    """Per programme: the enrolments billing counts (active or ended, with a coverage start) by coverage start
    and end. The budget projection's head count per month comes from these few rows instead of a grouped
    count over the programme's enrolments on every page (~130 ms at a million, BENCHMARKS.md)."""

    programme = models.ForeignKey("programmes.Programme", on_delete=models.CASCADE, related_name="+")
    coverage_start = models.DateField()
    coverage_end = models.DateField(null=True)
    enrolments = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.programme_id} {self.coverage_start}–{self.coverage_end or ''}: {self.enrolments}"
