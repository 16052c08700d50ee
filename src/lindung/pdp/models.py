"""The personal-data duties of UU 27/2022 (PDP): legal holds and the retention runs' counts (issue 19)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from lindung.regions.models import RegionStamped


class RetentionKind(models.TextChoices):
    """Why a record's purpose ended, each with its retention rule (``rules`` ``retention.*``)."""

    NEVER_ENROLLED = "never_enrolled", _("Worker never proposed")
    REJECTED_PROPOSAL = "rejected_proposal", _("Rejected proposal")
    ENDED_ENROLMENT = "ended_enrolment", _("Ended enrolment")
    CLAIM = "claim", _("Claim")


class LegalHold(models.Model):
    """A worker whose records are under dispute: the retention run never anonymises them while it holds."""

    worker = models.ForeignKey(
        "workers.Worker", on_delete=models.PROTECT, related_name="legal_holds", verbose_name=_("worker")
    )
    reason = models.TextField(_("reason"))
    set_at = models.DateTimeField(_("set at"))
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("set by")
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("lifted by"),
    )
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        indexes = [models.Index(fields=["worker"], name="legalhold_worker_held", condition=Q(lifted_at__isnull=True))]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="legalhold_has_reason"),
            models.CheckConstraint(
                condition=Q(lifted_at__isnull=True) | Q(lifted_by__isnull=False, lift_reason__gt=""),
                name="legalhold_lifted_by_whom_and_why",
            ),
            models.UniqueConstraint(
                fields=["worker"], condition=Q(lifted_at__isnull=True), name="legalhold_one_open_per_worker"
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk} on worker {self.worker_id}"


class RetentionRun(models.Model):
    """One run of the retention job that anonymised (a dry run writes nothing, this included)."""

    ran_at = models.DateTimeField(_("ran at"))
    today = models.DateField(_("as of"))
    actor_username = models.CharField(_("run by"), max_length=150, blank=True)  # blank: the nightly run
    seconds = models.FloatField(_("seconds"), default=0)

    class Meta:
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")
        ordering = ["-ran_at"]

    def __str__(self) -> str:
        return f"retention run {self.pk} ({self.today})"


class RetentionCount(models.Model):
    """How many records of a kind a run anonymised in one regency: counts only, never the people."""

    run = models.ForeignKey(RetentionRun, on_delete=models.CASCADE, related_name="counts")
    kind = models.CharField(_("kind"), max_length=20, choices=RetentionKind.choices)
    province_code = models.CharField(_("province"), max_length=2)
    regency_code = models.CharField(_("regency/city"), max_length=5)
    count = models.PositiveIntegerField(_("count"))

    class Meta:
        verbose_name = _("retention count")
        verbose_name_plural = _("retention counts")
        constraints = [
            models.UniqueConstraint(fields=["run", "kind", "regency_code"], name="retentioncount_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.regency_code}: {self.count}"


class RequestKind(models.TextChoices):
    """What a person may ask of the controller about their own data (UU 27/2022, Art. 5–13)."""

    ACCESS = "access", _("Access to the data and its processing trail")
    CORRECTION = "correction", _("Correction")
    RESTRICTION = "restriction", _("Restriction of processing")
    DELETION = "deletion", _("Deletion")
    OBJECTION = "objection", _("Objection")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")
    REFUSED = "refused", _("Refused")


class RequestResolution(models.TextChoices):
    """What was done for a request carried out (``done``); a refused one has its legal reason in ``outcome``."""

    ACCESS_GIVEN = "access_given", _("Access document given")
    CORRECTED = "corrected", _("Data corrected")
    RESTRICTED = "restricted", _("Processing restricted")
    ANONYMISED = "anonymised", _("Anonymised")
    # An objection weighed: the processing goes on, for the public task the programme carries out.
    CONTINUED = "continued", _("Processing continues (public task)")


class PersonRequest(RegionStamped):
    """A person's request about their own data, registered on their behalf, with its legal clock.

    ``due_at`` is fixed when the request is received (``pdp.clock``): the controller answers within 3×24 hours.
    The region is the worker's, copied when registered, so an officer's or operator's scope reads it like a worker.
    """

    worker = models.ForeignKey(
        "workers.Worker", on_delete=models.PROTECT, related_name="pdp_requests", verbose_name=_("worker")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=RequestKind.choices)
    details = models.TextField(_("what the person asks"), blank=True)
    received_at = models.DateTimeField(_("received at"))
    due_at = models.DateTimeField(_("answer due by"))
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered by")
    )
    status = models.CharField(_("status"), max_length=8, choices=RequestStatus.choices, default=RequestStatus.OPEN)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )
    # What was done, or the legal reason for a refusal (shown to the person).
    outcome = models.TextField(_("outcome"), blank=True)
    # The language of ``outcome`` when the system wrote it (the installation's, decision 0014); empty: as typed.
    outcome_language = models.CharField(_("language of the outcome"), max_length=8, blank=True)
    resolution = models.CharField(_("resolution"), max_length=16, choices=RequestResolution.choices, blank=True)
    # The identity check made when the request was registered: each item compared with the record and how it
    # went ({"nik": "match", "birth_date": "match", "phone": "match" | "none_on_file"}).
    identity_check = models.JSONField(_("identity check"), default=dict, blank=True)

    class Meta:
        verbose_name = _("request of the person")
        verbose_name_plural = _("requests of the person")
        indexes = [
            # The officer's start page: open requests by due time, within a regency or the province.
            models.Index(fields=["regency_code", "due_at"], name="personrequest_open_due", condition=Q(status="open")),
            models.Index(fields=["worker", "received_at"], name="personrequest_worker"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(due_at__gt=F("received_at")), name="personrequest_due_after_received"),
            models.CheckConstraint(
                condition=Q(status="open", closed_at__isnull=True, closed_by__isnull=True)
                | (~Q(status="open") & Q(closed_at__isnull=False, closed_by__isnull=False, outcome__gt="")),
                name="personrequest_closed_when_answered",
            ),
            models.CheckConstraint(
                condition=Q(regency_code__startswith=F("province_code")), name="personrequest_regency_in_province"
            ),
            models.CheckConstraint(
                condition=Q(status="done", resolution__gt="") | (~Q(status="done") & Q(resolution="")),
                name="personrequest_resolution_when_done",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} request {self.pk} of worker {self.worker_id}"


# --- the breach register (UU 27/2022, Art. 46) ---------------------------------------------------------------


class DataKind(models.TextChoices):
    """What kinds of personal data an incident touched, as the letters and the authority's report name them."""

    IDENTITY = "identity", _("Identity (NIK, name)")
    BIRTH = "birth", _("Place and date of birth")
    CONTACT = "contact", _("Address and phone")
    FAMILY = "family", _("Family card, mother's name and heirs")
    INCOME = "income", _("Occupation and income")
    HEALTH = "health", _("Accidents, deaths and claims")
    MEMBERSHIP = "membership", _("BPJS membership (KPJ) and contributions")


class BreachStatus(models.TextChoices):
    """The steps of an incident, in order: each is reached by its service and audited."""

    RECORDED = "recorded", _("Recorded")
    PEOPLE_FOUND = "people_found", _("People affected found")
    LETTERS_PRODUCED = "letters_produced", _("Letters produced")
    AUTHORITY_NOTIFIED = "authority_notified", _("Authority notified")
    CLOSED = "closed", _("Closed")


class LettersStatus(models.TextChoices):
    """The background job that writes the letters' files (``pdp.letters``)."""

    NONE = "", _("Not asked")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Being written")
    DONE = "done", _("Written")
    FAILED = "failed", _("Failed")


class Breach(models.Model):
    """An incident that exposed personal data: the controller notifies the people and the authority within 3×24
    hours of finding it (``due_at``, fixed from ``found_at`` by ``pdp.clock``).

    ``region_code`` is the recorder's region: who may act on it (a scope that covers it) and which workers it can
    reach. The affected set's definition (``affected_*``) is kept with the set it produced (``BreachAffected``).
    """

    what = models.TextField(_("what happened"))
    how = models.TextField(_("how it happened"), blank=True)
    occurred_from = models.DateTimeField(_("happened from"), null=True, blank=True)
    occurred_to = models.DateTimeField(_("happened until"), null=True, blank=True)
    found_at = models.DateTimeField(_("found at"))
    due_at = models.DateTimeField(_("notify by"))
    systems = models.TextField(_("systems concerned"))
    data_kinds = models.JSONField(_("kinds of data"), default=list)  # DataKind values, checked by the service
    remedy = models.TextField(_("what has been done and what the person can do"))
    contact = models.TextField(_("whom to contact"))
    region_code = models.CharField(_("region"), max_length=13)
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    status = models.CharField(_("status"), max_length=20, choices=BreachStatus.choices, default=BreachStatus.RECORDED)
    # The affected set's definition: each given criterion narrows it (all blank: never searched).
    affected_region = models.CharField(_("affected region"), max_length=13, blank=True)
    affected_from = models.DateTimeField(_("affected window from"), null=True, blank=True)
    affected_to = models.DateTimeField(_("affected window until"), null=True, blank=True)
    affected_username = models.CharField(_("affected through the user"), max_length=150, blank=True)
    affected_export = models.ForeignKey(
        "audit.AuditEntry",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_constraint=False,  # the log keeps no keys pointing at it either (decision 0010)
        verbose_name=_("affected through the export"),
    )
    affected_note = models.TextField(_("what the search could not establish"), blank=True)
    affected_count = models.PositiveIntegerField(_("people affected"), default=0)
    people_found_at = models.DateTimeField(_("people found at"), null=True, blank=True)
    letters_status = models.CharField(
        _("letters"), max_length=8, choices=LettersStatus.choices, default=LettersStatus.NONE, blank=True
    )
    letters_requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("letters asked by"),
    )
    letters_task_id = models.CharField(max_length=64, blank=True)
    letters_done_at = models.DateTimeField(_("letters produced at"), null=True, blank=True)
    letters_error = models.TextField(blank=True)
    authority_notified_at = models.DateTimeField(_("authority notified at"), null=True, blank=True)
    authority_reference = models.CharField(_("the authority's reference"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    close_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        verbose_name = _("personal data breach")
        verbose_name_plural = _("personal data breaches")
        ordering = ["-found_at", "-pk"]
        indexes = [models.Index(fields=["region_code", "found_at"], name="breach_region_found")]
        constraints = [
            models.CheckConstraint(condition=~Q(what=""), name="breach_says_what"),
            models.CheckConstraint(condition=~Q(systems=""), name="breach_names_systems"),
            models.CheckConstraint(condition=Q(due_at__gt=F("found_at")), name="breach_due_after_found"),
            models.CheckConstraint(
                condition=Q(occurred_from__isnull=True)
                | Q(occurred_to__isnull=True)
                | Q(occurred_to__gte=F("occurred_from")),
                name="breach_occurred_in_order",
            ),
            models.CheckConstraint(
                condition=Q(affected_from__isnull=True, affected_to__isnull=True)
                | Q(affected_from__isnull=False, affected_to__isnull=False, affected_to__gt=F("affected_from")),
                name="breach_window_whole_and_in_order",
            ),
            models.CheckConstraint(
                # A false alarm is closed without ever being searched.
                condition=Q(status__in=[BreachStatus.RECORDED, BreachStatus.CLOSED]) | Q(people_found_at__isnull=False),
                name="breach_found_before_later_steps",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[BreachStatus.LETTERS_PRODUCED, BreachStatus.AUTHORITY_NOTIFIED])
                | Q(letters_done_at__isnull=False),
                name="breach_letters_before_notice",
            ),
            models.CheckConstraint(
                condition=~Q(status=BreachStatus.AUTHORITY_NOTIFIED) | Q(authority_notified_at__isnull=False),
                name="breach_notified_when",
            ),
            models.CheckConstraint(
                condition=Q(status=BreachStatus.CLOSED, closed_at__isnull=False, close_note__gt="")
                | (~Q(status=BreachStatus.CLOSED) & Q(closed_at__isnull=True)),
                name="breach_closed_when_and_why",
            ),
        ]

    def __str__(self) -> str:
        return f"breach {self.pk}"


class BreachAffected(RegionStamped):
    """One person an incident affected, with their village as it was when found: the letters, the counts and the
    region scope all read this one table (never the workers' whole list)."""

    breach = models.ForeignKey(Breach, on_delete=models.CASCADE, related_name="affected")
    worker = models.ForeignKey("workers.Worker", on_delete=models.PROTECT, related_name="+", db_index=False)

    class Meta:
        verbose_name = _("person affected by a breach")
        verbose_name_plural = _("people affected by a breach")
        indexes = [models.Index(fields=["breach", "village"], name="breachaffected_village")]
        constraints = [
            models.UniqueConstraint(fields=["breach", "worker"], name="breachaffected_once"),
            models.CheckConstraint(
                condition=Q(regency_code__startswith=F("province_code")), name="breachaffected_regency_in_province"
            ),
        ]

    def __str__(self) -> str:
        return f"worker {self.worker_id} in breach {self.breach_id}"
