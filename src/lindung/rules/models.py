from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RuleValue(models.Model):
    """One value of a rule the law sets, in force from ``effective_from`` until the next row of its key.

    Values are integers in the unit the key names (rupiah, basis points, months, years, a count), so
    money never passes through a float. Rows come from the versioned file ``rules/data/rules.csv``.
    """

    class Unit(models.TextChoices):
        RUPIAH = "rupiah", _("rupiah")
        BASIS_POINTS = "bp", _("basis points (1/100 %)")
        MONTHS = "months", _("months")
        YEARS = "years", _("years")
        COUNT = "count", _("count")
        FLAG = "flag", _("yes (1) / no (0)")

    key = models.CharField(_("rule"), max_length=64)
    effective_from = models.DateField(_("effective from"))
    value = models.BigIntegerField(_("value"))
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    source = models.CharField(_("legal source"), max_length=200)
    confidence = models.CharField(_("confidence"), max_length=4, default="high")
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("rule value")
        verbose_name_plural = _("rule values")
        ordering = ["key", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["key", "effective_from"], name="rule_one_value_per_key_and_date"),
            models.CheckConstraint(condition=~models.Q(source=""), name="rule_has_source"),
        ]

    def __str__(self) -> str:
        return f"{self.key} = {self.value} {self.unit} (≥ {self.effective_from})"
