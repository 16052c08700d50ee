from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Region(models.Model):
    """One administrative region of Indonesia (Kepmendagri 300.2.2-2138/2025), at one of four levels."""

    class Level(models.IntegerChoices):
        PROVINCE = 1, _("Province")
        REGENCY = 2, _("Regency/city")
        DISTRICT = 3, _("District")
        VILLAGE = 4, _("Village")

    code = models.CharField(_("code"), primary_key=True, max_length=13)
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # provinsi, kabupaten, kota, kecamatan, distrik (Papua), kelurahan, desa, desa_adat
    kind = models.CharField(_("kind"), max_length=12)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["parent", "name"], name="region_parent_name")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level=1, parent__isnull=True) | Q(level__gt=1, parent__isnull=False)),
                name="region_parent_matches_level",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=4), name="region_level_range"),
        ]

    def __str__(self) -> str:
        return self.name


class RegionStamped(models.Model):
    """For large tables: the village, and its province and regency codes as plain indexed columns.

    A regency's question filters on ``regency_code`` alone, and ``province_code`` is the column a
    national installation can partition or distribute (Citus) the table by.
    """

    province_code = models.CharField(_("province"), max_length=2, editable=False)
    regency_code = models.CharField(_("regency/city"), max_length=5, editable=False)
    village = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        related_name="+",
        db_column="village_code",
        verbose_name=_("village"),
    )

    class Meta:
        abstract = True

    def stamp_region(self) -> None:
        """Copy the province and regency codes from the village code (call before saving)."""
        code: str = self.village_id
        self.province_code = code[:2]
        self.regency_code = code[:5]
