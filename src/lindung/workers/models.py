from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Func, Q
from django.db.models.functions import Left
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class OccupationCategory(models.Model):
    """A kind of vulnerable work (marbot, RT/RW head, farmer...). Seeded by a migration, extendable by an admin."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.CharField(_("description"), max_length=250, blank=True)
    active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        verbose_name = _("occupation category")
        verbose_name_plural = _("occupation categories")
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[A-Z][A-Z0-9_]*$"), name="category_code_upper"),
        ]

    def __str__(self) -> str:
        return self.name


class NikTail(Func):
    """The last six digits of a NIK (the ones its mask shows: ``nik.nik_mask``), as the worker list searches
    them. Written without a parameter (a NIK is 16 digits: the table's check), so that the index on it and
    the queries read the same expression and both databases use the index."""

    template = "SUBSTR(%(expressions)s, 11, 6)"
    output_field = models.CharField()


class Sex(models.TextChoices):
    MALE = "L", _("Male")
    FEMALE = "P", _("Female")


class Worker(RegionStamped):
    """A vulnerable worker, one per NIK in the whole installation."""

    nik = models.CharField(_("NIK"), max_length=16)  # unique: see Meta.constraints
    name = models.CharField(_("name"), max_length=150)
    birth_place = models.CharField(_("place of birth"), max_length=100)
    birth_date = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    address = models.CharField(_("address"), max_length=250)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    occupation = models.ForeignKey(
        OccupationCategory,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("occupation category"),
        db_index=False,  # worker_occupation_name starts with it
    )
    declared_income = models.BigIntegerField(_("declared monthly income (Rp)"), default=1_000_000)
    kk_number = models.CharField(_("family card (KK) number"), max_length=16, blank=True)
    mother_maiden_name = models.CharField(_("mother's maiden name"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Not indexed: nothing lists workers by who registered them (the audit log answers that), and every
    # index is paid on each of a million imported rows.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    # Set when the retention run anonymised the worker (``pdp.retention``): the NIK is then "#" and the id
    # (``nik_hash.anonymised_nik``), ``nik_hash`` its keyed hash, and the names, contacts and exact birth date are
    # gone; the region, category, sex, birth year and income stay for the figures.
    anonymised_on = models.DateField(_("anonymised on"), null=True, blank=True)
    # A database default too: the import and the benchmarks insert workers with SQL that does not name it.
    nik_hash = models.CharField(_("keyed hash of the NIK"), max_length=64, blank=True, default="", db_default="")
    # Set while the person's request to restrict processing holds (UU 27/2022; ``pdp.restriction``): the record
    # stays, but is not proposed, exported or shown whole until lifted. A column on the worker, not a join, because
    # every path (form, import, API, exports, reports) asks it for every worker it touches.
    restricted_since = models.DateTimeField(_("processing restricted since"), null=True, blank=True)
    # The privacy notice the person was given when registered (UU 27/2022; ``privacy_notices``); empty for a worker
    # registered before notices were recorded. Not indexed: nothing lists workers by notice, and a notice is never
    # deleted (PROTECT would otherwise look for its workers).
    privacy_notice = models.ForeignKey(
        "privacy_notices.PrivacyNotice",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("privacy notice given"),
    )

    class Meta:
        verbose_name = _("worker")
        verbose_name_plural = _("workers")
        indexes = [
            models.Index(fields=["regency_code", "name"], name="worker_regency_name"),
            models.Index(fields=["province_code", "name"], name="worker_province_name"),
            models.Index(fields=["regency_code", "birth_date"], name="worker_regency_birth"),
            # The list sorted by registration date, within a regency or the province.
            models.Index(fields=["regency_code", "created_at"], name="worker_regency_created"),
            models.Index(fields=["province_code", "created_at"], name="worker_province_created"),
            # A category filter sorted by name, without walking the other categories' names first.
            models.Index(fields=["occupation", "name"], name="worker_occupation_name"),
            # Name search on PostgreSQL: a trigram index on UPPER(name), made by migration 0003 (raw SQL).
            # The search by the last six digits of a NIK (the masked NIK's), within the user's scope.
            models.Index(NikTail("nik"), name="worker_nik_tail"),
            # "Registered before": an anonymised worker found by the keyed hash of a NIK typed again.
            models.Index(fields=["nik_hash"], name="worker_nik_hash", condition=~Q(nik_hash="")),
        ]
        constraints = [
            # A constraint rather than unique=True, which on PostgreSQL adds a second index (for LIKE 'x%')
            # that no NIK search uses: NIKs are looked up whole.
            models.UniqueConstraint(fields=["nik"], name="worker_nik_unique"),
            models.CheckConstraint(
                condition=Q(nik__regex=r"^[0-9]{16}$")
                | Q(anonymised_on__isnull=False, nik__regex=r"^#[0-9]{15}$", nik_hash__regex=r"^[0-9a-f]{64}$"),
                name="worker_nik_16_digits_or_anonymised",
            ),
            models.CheckConstraint(
                condition=Q(kk_number="") | Q(kk_number__regex=r"^[0-9]{16}$"), name="worker_kk_16_digits"
            ),
            models.CheckConstraint(condition=Q(sex__in=["L", "P"]), name="worker_sex_l_or_p"),
            models.CheckConstraint(condition=Q(declared_income__gt=0), name="worker_income_positive"),
            models.CheckConstraint(
                condition=Q(regency_code__startswith=F("province_code")), name="worker_regency_in_province"
            ),
            models.CheckConstraint(
                condition=Exact(Left("village", 5), F("regency_code")), name="worker_village_in_regency"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class HeirRelation(models.TextChoices):
    """In the legal order of heirs (RULES.md §3)."""

    SPOUSE = "pasangan", _("Spouse")
    CHILD = "anak", _("Child")
    PARENT = "orang_tua", _("Parent")
    GRANDCHILD = "cucu", _("Grandchild")
    GRANDPARENT = "kakek_nenek", _("Grandparent")
    SIBLING = "saudara", _("Sibling")
    IN_LAW = "mertua", _("Parent-in-law")
    WILL = "wasiat", _("Named in a will")


class Heir(models.Model):
    """Someone who receives the benefits when the worker dies (proved at claim time, cheap to hold early)."""

    worker = models.ForeignKey(Worker, on_delete=models.CASCADE, related_name="heirs")
    name = models.CharField(_("name"), max_length=150)
    relation = models.CharField(_("relation"), max_length=16, choices=HeirRelation.choices)
    nik = models.CharField(_("NIK"), max_length=16, blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    # Percent of the benefit within the heirs who receive (the first class in the legal order that has
    # anyone); blank splits what the others leave equally. Proved with the heirship letter at claim time.
    share = models.PositiveSmallIntegerField(_("share (%)"), null=True, blank=True)

    class Meta:
        verbose_name = _("heir")
        verbose_name_plural = _("heirs")
        constraints = [
            models.CheckConstraint(condition=Q(nik="") | Q(nik__regex=r"^[0-9]{16}$"), name="heir_nik_16_digits"),
            models.CheckConstraint(
                condition=Q(share__isnull=True) | Q(share__gte=1, share__lte=100), name="heir_share_percent"
            ),
        ]

    def __str__(self) -> str:
        return self.name
