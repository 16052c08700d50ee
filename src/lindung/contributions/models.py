"""Invoices, their lines, payments and how payments are spread over invoices. Money is integer rupiah."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")


class LineKind(models.TextChoices):
    NORMAL = "normal", _("Month billed")
    ADJUSTMENT = "adjustment", _("Correction of an earlier month")


class Invoice(models.Model):
    """What a programme owes for one month of coverage: a draft until issued, then frozen.

    ``month`` is the first day of the month billed. The unit amounts are those of the rule tables in
    force that month; ``total`` is the sum of the lines (adjustments included), ``line_count`` the number
    of month lines and ``adjustment_total`` the sum of the corrections: the database's line triggers keep
    all three, and nothing else may write them (``lines/``).
    """

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="invoices", verbose_name=_("programme")
    )
    month = models.DateField(_("month"))
    status = models.CharField(_("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    unit_jkk = models.BigIntegerField(_("JKK per worker"), default=0)
    unit_jkm = models.BigIntegerField(_("JKM per worker"), default=0)
    unit_jht = models.BigIntegerField(_("JHT per worker"), default=0)
    line_count = models.PositiveIntegerField(_("workers billed"), default=0)
    adjustment_total = models.BigIntegerField(_("corrections (Rp)"), default=0)
    total = models.BigIntegerField(_("total (Rp)"), default=0)
    built_on = models.DateField(_("built on"), null=True, blank=True)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["programme", "month"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], name="invoice_one_per_programme_month"),
            models.CheckConstraint(condition=Q(status__in=InvoiceStatus.values), name="invoice_known_status"),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | Q(issued_at__isnull=False), name="invoice_issued_has_date"
            ),
            models.CheckConstraint(
                condition=Q(unit_jkk__gte=0, unit_jkm__gte=0, unit_jht__gte=0), name="invoice_units_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.month:%Y-%m}"

    @property
    def is_draft(self) -> bool:
        return self.status == InvoiceStatus.DRAFT


class InvoiceLine(models.Model):
    """One enrolment's month on an invoice, or a correction of an earlier, already issued month.

    A large table (a million lines a month for a large programme): the region codes are copied from
    the enrolment so a regency's breakdown reads its own rows. ``month`` is the month the line is
    about (for a correction, the month corrected).

    Built for the billing run's ``INSERT ... SELECT`` (BENCHMARKS.md, "Billing one month"). Each line
    pays for one B-tree and nothing per row beyond it:

    - The primary key (invoice, enrolment, month, kind) is the only B-tree. It is the rule "one line
      per enrolment, kind and month on an invoice", it serves every lookup by invoice, and it finds an
      enrolment's lines through its programme's invoices (``selectors.lines_of_enrolments``; a bare
      filter on the enrolment reads every line). There is no ``id``.
    - The invoice and the enrolment are keys without database foreign keys (``db_constraint=False``):
      PostgreSQL checked each of a million lines one by one, which cost most of the billing run. The
      ORM still PROTECTs both. In the database, the rules of ``lindung/contributions/lines/`` keep the
      same promises and more, on SQLite and PostgreSQL alike (decision 0007): a line's invoice exists
      and is a draft, a month line carries its invoice's month, its enrolment exists in the invoice's
      programme (with the worker copied from it), an issued invoice's lines never change nor go, the
      invoice's ``total``, ``line_count`` and ``adjustment_total`` are the sums of its lines, and an
      enrolment or invoice that has lines cannot be deleted or re-keyed.
    - On PostgreSQL the rules run once per statement, and the table is LIST-partitioned by invoice, one
      partition per invoice: a first build fills a bare table, builds its primary key by one sort and
      attaches it, so no B-tree is maintained line by line; the billing insert, which selects the
      enrolments it bills, skips the enrolment check (``lines/postgresql.py``). SQLite keeps one plain
      table with row triggers (``lines/sqlite.py``).

    The trade-off: on PostgreSQL the checks hold at the end of each statement rather than per row, billing
    does DDL in its transaction (ATTACH: a SHARE UPDATE EXCLUSIVE lock on the parent; rebuilding a draft
    afresh drops its partition: ACCESS EXCLUSIVE until commit) and the parent has one partition per
    invoice (about 12 a year per programme).
    """

    pk = models.CompositePrimaryKey("invoice", "enrolment", "month", "kind")
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="lines", db_index=False, db_constraint=False
    )
    # Lines are found by enrolment through the primary key (selectors.lines_of_enrolments), not by an index.
    enrolment = models.ForeignKey(
        "enrolments.Enrolment", on_delete=models.PROTECT, related_name="+", db_index=False, db_constraint=False
    )
    # A copy of the enrolment's worker, for reading lines without the join; the insert trigger checks it.
    worker = models.ForeignKey(
        "workers.Worker", on_delete=models.DO_NOTHING, related_name="+", db_constraint=False, db_index=False
    )
    province_code = models.CharField(_("province"), max_length=2)
    regency_code = models.CharField(_("regency/city"), max_length=5)
    month = models.DateField(_("month"))
    kind = models.CharField(_("kind"), max_length=12, choices=LineKind.choices, default=LineKind.NORMAL)
    jkk = models.BigIntegerField("JKK")
    jkm = models.BigIntegerField("JKM")
    jht = models.BigIntegerField("JHT")
    amount = models.BigIntegerField(_("amount (Rp)"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        indexes = [
            # The corrections query reads the (few) corrections already made for one month. Partial: a
            # month line only pays for evaluating the condition.
            models.Index(fields=["month"], condition=Q(kind=LineKind.ADJUSTMENT), name="invoiceline_adjustment_month"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount=F("jkk") + F("jkm") + F("jht")), name="invoiceline_amount_is_sum"
            ),
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="invoiceline_known_kind"),
            models.CheckConstraint(
                condition=~Q(kind=LineKind.NORMAL) | Q(jkk__gte=0, jkm__gte=0, jht__gte=0),
                name="invoiceline_normal_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(kind=LineKind.ADJUSTMENT) | ~Q(note=""), name="invoiceline_adjustment_has_note"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}:{self.enrolment_id} {self.kind} {self.amount}"


class Payment(models.Model):
    """Money received for a programme. Never deleted: a mistaken payment is reversed with a reason.

    What is not allocated to invoices is the programme's credit, usable against a later invoice.
    """

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="payments", verbose_name=_("programme")
    )
    paid_on = models.DateField(_("paid on"))
    amount = models.BigIntegerField(_("amount (Rp)"))
    reference = models.CharField(_("reference (SP2D / virtual account)"), max_length=100)
    note = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversed_at = models.DateTimeField(_("reversed at"), null=True, blank=True)
    reversed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reversal_reason = models.TextField(_("reason for reversal"), blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["programme", "paid_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=~Q(reference=""), name="payment_has_reference"),
            models.CheckConstraint(
                condition=Q(reversed_at__isnull=True) | ~Q(reversal_reason=""), name="payment_reversal_has_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.paid_on} {self.amount}"

    @property
    def is_reversed(self) -> bool:
        return self.reversed_at is not None


class PaymentAllocation(models.Model):
    """Part of a payment set against one issued invoice."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="allocations")
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="allocations")
    amount = models.BigIntegerField(_("amount (Rp)"))

    class Meta:
        verbose_name = _("payment allocation")
        verbose_name_plural = _("payment allocations")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="allocation_amount_positive"),
            models.UniqueConstraint(fields=["payment", "invoice"], name="allocation_one_per_payment_invoice"),
        ]

    def __str__(self) -> str:
        return f"{self.payment_id}→{self.invoice_id}: {self.amount}"


class CoverageStatus(models.Model):
    """An enrolment's coverage as the daily job last derived it from invoices and payments; never typed in.

    One row per active or ended enrolment with at least one month of coverage up to the job's calendar,
    billed or not (``lindung.contributions.months_owed`` defines the months and their states). Rebuilt per
    programme by ``lindung.contributions.coverage.coverage_update``; the region codes are copied from the
    enrolment so the at-risk page reads a regency's rows from this table alone. Months are first days of months.
    """

    enrolment = models.OneToOneField(
        "enrolments.Enrolment", on_delete=models.CASCADE, related_name="coverage_status", primary_key=True
    )
    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+", verbose_name=_("programme")
    )
    province_code = models.CharField(_("province"), max_length=2)
    regency_code = models.CharField(_("regency/city"), max_length=5)
    months_billed = models.PositiveIntegerField(_("months billed"), default=0)
    months_paid = models.PositiveIntegerField(_("months paid"), default=0)
    paid_through = models.DateField(_("paid through"), null=True, blank=True)
    months_in_arrears = models.PositiveIntegerField(_("months in arrears"), default=0)
    consecutive_unpaid = models.PositiveIntegerField(_("consecutive months unpaid"), default=0)
    months_never_billed = models.PositiveIntegerField(_("months due and never billed"), default=0)
    # Which months are due and never billed: bit i for the programme's month i (0 = its first month), kept
    # for the never-billed figure (``NeverBilledMonth``); see ``months_owed.NEVER_BILLED_BITS``.
    never_billed_mask = models.BigIntegerField(_("months due and never billed (bits)"), default=0)
    computed_for = models.DateField(_("computed for"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("coverage status")
        verbose_name_plural = _("coverage statuses")
        indexes = [
            models.Index(fields=["programme"], name="coverage_programme"),
            models.Index(
                fields=["regency_code", "months_in_arrears"],
                condition=Q(months_in_arrears__gt=0),
                name="coverage_regency_arrears",
            ),
            models.Index(
                fields=["province_code", "months_in_arrears"],
                condition=Q(months_in_arrears__gt=0),
                name="coverage_province_arrears",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(months_paid__lte=F("months_billed")), name="coverage_paid_le_billed"),
            models.CheckConstraint(
                condition=Q(consecutive_unpaid__lte=F("months_in_arrears")), name="coverage_run_le_arrears"
            ),
            models.CheckConstraint(
                condition=Q(months_never_billed__lte=F("months_in_arrears")), name="coverage_never_billed_le_arrears"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.months_in_arrears} in arrears"


class NeverBilledMonth(RegionStamped):
    """How many workers of a village owe a programme's month that is past its due date and was never billed.

    A summary of ``CoverageStatus.never_billed_mask``, rebuilt with it by the nightly coverage job in the
    same transaction per programme; read by ``lindung.contributions.never_billed``. Per village (with its
    district, regency and province codes) so that a page answers for any region of the user's scope from this
    table alone, without reading the enrolments. ``month`` is a first day.
    """

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.CASCADE, related_name="+", verbose_name=_("programme")
    )
    district_code = models.CharField(_("district"), max_length=8)
    month = models.DateField(_("month"))
    workers = models.PositiveIntegerField(_("workers"))

    class Meta:
        verbose_name = _("month never billed")
        verbose_name_plural = _("months never billed")
        indexes = [models.Index(fields=["programme", "regency_code"], name="never_billed_programme_regency")]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "village", "month"], name="never_billed_one_per_programme_village_month"
            ),
            models.CheckConstraint(condition=Q(workers__gt=0), name="never_billed_has_workers"),
        ]

    def __str__(self) -> str:
        return f"{self.programme_id} {self.regency_code} {self.month:%Y-%m}: {self.workers}"
