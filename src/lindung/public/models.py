from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Confidence(models.TextChoices):
    """How sure the data file is of a row (as in RULES.md: high, med, low)."""

    HIGH = "high", _("high")
    MEDIUM = "med", _("medium")
    LOW = "low", _("low")


class BpjsOffice(models.Model):
    """The BPJS Ketenagakerjaan office a regency/city's workers are pointed to by the public check.

    Loaded from ``public/data/bpjs_offices.csv`` (see ``lindung.public.offices``). ``regency_code`` is a
    plain code, not a key to ``regions.Region``: the offices are loaded by a migration, before anyone has
    run ``lindung regions load``.
    """

    regency_code = models.CharField(_("regency/city"), max_length=5, unique=True)
    name = models.CharField(_("office"), max_length=150)
    address = models.CharField(_("address"), max_length=250, blank=True)
    source = models.CharField(_("source"), max_length=250)
    confidence = models.CharField(_("confidence"), max_length=4, choices=Confidence.choices)

    class Meta:
        verbose_name = _("BPJS office")
        verbose_name_plural = _("BPJS offices")
        ordering = ["regency_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(regency_code__regex=r"^[0-9]{2}\.[0-9]{2}$"), name="office_regency_code"
            ),
            models.CheckConstraint(condition=Q(confidence__in=Confidence.values), name="office_known_confidence"),
        ]

    def __str__(self) -> str:
        return f"{self.regency_code} {self.name}"


class CoverageCheckAttempt(models.Model):
    """One public coverage check (or a badly filled form) from a client address, to rate-limit the check.

    Only a keyed hash of the address is kept (``lindung.public.services.address_key``), never the
    address itself and never what was typed; rows older than the window are deleted as new ones come.
    """

    address_key = models.CharField(_("client address (keyed hash)"), max_length=64)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("public check attempt")
        verbose_name_plural = _("public check attempts")
        indexes = [models.Index(fields=["address_key", "at"], name="checkattempt_address_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.address_key[:12]}"
