"""Which fields of Lindung's tables hold personal data, and of what kind: marked here, once (UU 27/2022).

The records of processing (``pdp.processing_records``) read this catalogue to list each activity's data kinds, so
the register says what the tables hold. Every concrete field of a catalogued table is named under a kind, or under
``None`` (not about a person: keys, counters, bookkeeping). ``tests/test_processing_records.py`` fails when a table
gains a field this catalogue does not name, when a name here is no longer a field, and when a table about a person
(a key to a worker or an enrolment, or a NIK) is catalogued nowhere: a new field is described before it ships.
"""

from __future__ import annotations

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DataKind(models.TextChoices):
    """The kinds of personal data, as the register names them (health and death are specific data, Art. 4)."""

    IDENTITY = "identity", _("Identity numbers")
    NAME = "name", _("Names")
    BIRTH = "birth", _("Birth")
    SEX = "sex", _("Sex")
    RESIDENCE = "residence", _("Place of residence")
    CONTACT = "contact", _("Address and phone")
    FAMILY = "family", _("Family")
    WORK = "work", _("Occupation and income")
    MEMBERSHIP = "membership", _("Membership of BPJS")
    MONEY = "money", _("Contributions and payments for the person")
    HEALTH = "health", _("Accidents, disability and death (specific personal data)")
    FILES = "files", _("Files that hold the data above")
    ACCOUNT = "account", _("Users and their sign-ins")
    TRAIL = "trail", _("Processing trail")
    REQUEST = "request", _("The person's requests and disputes")


# Model label → kind → field names; ``None``: the fields that are not about a person.
FIELDS: dict[str, dict[DataKind | None, tuple[str, ...]]] = {
    "workers.Worker": {
        DataKind.IDENTITY: ("nik", "kk_number", "nik_hash"),
        DataKind.NAME: ("name",),
        DataKind.BIRTH: ("birth_place", "birth_date"),
        DataKind.SEX: ("sex",),
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        DataKind.CONTACT: ("address", "phone"),
        DataKind.FAMILY: ("mother_maiden_name",),
        DataKind.WORK: ("occupation", "declared_income"),
        # The privacy notice the person was given at registration: part of the record of what was done with them.
        DataKind.TRAIL: ("created_by", "privacy_notice"),
        DataKind.REQUEST: ("restricted_since",),
        None: ("id", "created_at", "updated_at", "anonymised_on"),
    },
    "workers.Heir": {
        DataKind.IDENTITY: ("nik",),
        DataKind.NAME: ("name",),
        DataKind.CONTACT: ("phone",),
        DataKind.FAMILY: ("relation", "share"),
        None: ("id", "worker"),
    },
    "enrolments.Enrolment": {
        DataKind.MEMBERSHIP: (
            "kpj",
            "status",
            "coverage_start",
            "coverage_end",
            "activated_on",
            "end_reason",
            "rejection_reason",
        ),
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        None: ("id", "worker", "programme", "batch", "proposed_at", "updated_at"),
    },
    "enrolments.BpjsBatch": {
        DataKind.FILES: ("file",),
        DataKind.TRAIL: ("created_by",),
        None: ("id", "programme", "number", "created_at", "count", "region_code", "sha256"),
    },
    "imports.ImportBatch": {
        DataKind.FILES: ("source", "error_file", "errors"),
        DataKind.TRAIL: ("uploaded_by",),
        None: (
            "id",
            "programme",
            "uploaded_at",
            "region_code",
            "file_name",
            "status",
            "language",
            "rows_read",
            "heartbeat_at",
            "message",
            "rows",
            "imported",
            "skipped",
            "rejected",
            "error_counts",
            "task_id",
        ),
    },
    "contributions.InvoiceLine": {
        DataKind.MONEY: ("month", "kind", "jkk", "jkm", "jht", "amount", "note"),
        DataKind.RESIDENCE: ("province_code", "regency_code"),
        None: ("invoice", "enrolment", "worker"),
    },
    "contributions.CoverageStatus": {
        DataKind.MONEY: (
            "months_billed",
            "months_paid",
            "paid_through",
            "months_in_arrears",
            "consecutive_unpaid",
            "months_never_billed",
            "never_billed_mask",
        ),
        DataKind.RESIDENCE: ("province_code", "regency_code"),
        None: ("enrolment", "programme", "computed_for", "updated_at"),
    },
    "claims.Claim": {
        DataKind.HEALTH: (
            "type",
            "incident_date",
            "incident_time",
            "incident_place",
            "description",
            "disability_percent",
            "stmb_months",
        ),
        DataKind.NAME: ("reporter_name",),
        DataKind.FAMILY: ("reporter_relation",),
        DataKind.CONTACT: ("reporter_phone",),
        DataKind.WORK: ("income",),
        DataKind.MONEY: ("paid_months", "estimate_total", "paid_amount", "paid_on"),
        DataKind.MEMBERSHIP: ("covered", "coverage_reason", "coverage_message"),
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        DataKind.TRAIL: ("created_by",),
        None: (
            "id",
            "enrolment",
            "worker",
            "programme",
            "status",
            "reported_at",
            "reported_late",
            "documents",
            "rejection_reason",
            "status_changed_at",
            "created_at",
            "updated_at",
        ),
    },
    "civil_registry.DeathNotice": {
        DataKind.IDENTITY: ("nik",),
        DataKind.HEALTH: ("died_on", "event"),
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        DataKind.TRAIL: ("decided_by",),
        None: (
            "id",
            "message",
            "reference_id",
            "worker",
            "status",
            "received_at",
            "decided_at",
            "dismiss_reason",
            "claim",
        ),
    },
    "civil_registry.DeathMessage": {
        None: ("id", "source", "sender", "message_id", "received_at", "events", "queued", "outcomes"),
    },
    "accounts.ApiClient": {
        None: (
            "id",
            "name",
            "client_id",
            "secret_sha256",
            "user",
            "scopes",
            "rate_limit_per_minute",
            "public_keys",
            "created_at",
            "revoked_at",
        ),
    },
    "accounts.ApiToken": {
        DataKind.ACCOUNT: ("user", "name", "last_used_at"),
        None: ("id", "kind", "token_sha256", "prefix", "client", "scopes", "created_at", "expires_at", "revoked_at"),
    },
    "accounts.User": {
        DataKind.ACCOUNT: ("username", "first_name", "last_name", "email", "last_login", "role", "region"),
        None: ("id", "password", "is_superuser", "is_staff", "is_active", "date_joined", "password_temporary"),
    },
    "accounts.FailedLogin": {
        DataKind.ACCOUNT: ("username", "ip", "at"),
        None: ("id",),
    },
    "public.CoverageCheckAttempt": {
        DataKind.ACCOUNT: ("address_key",),
        None: ("id", "at"),
    },
    "audit.AuditEntry": {
        DataKind.TRAIL: ("at", "actor", "actor_username", "action", "object_type", "object_id", "changes", "note"),
        DataKind.RESIDENCE: ("region_code",),
        None: ("id", "channel"),
    },
    "dashboard.DemographicFigure": {
        # Counts of covered workers by category, sex and age band per village: no person, but the figures whose
        # cells are small enough to point at one are shown only inside a region's scope.
        None: (
            "id",
            "province_code",
            "regency_code",
            "village",
            "programme",
            "district_code",
            "occupation",
            "sex",
            "age_band",
            "covered",
        ),
    },
    "pdp.LegalHold": {
        DataKind.REQUEST: ("reason", "lift_reason"),
        DataKind.TRAIL: ("set_by", "lifted_by"),
        None: ("id", "worker", "set_at", "lifted_at"),
    },
    "pdp.PersonRequest": {
        DataKind.REQUEST: ("kind", "details", "outcome", "resolution", "identity_check"),
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        DataKind.TRAIL: ("registered_by", "closed_by"),
        None: ("id", "worker", "received_at", "due_at", "status", "closed_at", "outcome_language"),
    },
    "pdp.BreachAffected": {
        DataKind.RESIDENCE: ("province_code", "regency_code", "village"),
        None: ("id", "breach", "worker"),
    },
    "pdp.RetentionCount": {
        None: ("id", "run", "kind", "province_code", "regency_code", "count"),
    },
}

# The names of personal fields whose models give them none (Django's fallback, the field's name, is English code).
FIELD_NAMES: dict[tuple[str, str], Promise] = {
    ("workers.Worker", "created_by"): _("registered by"),
    ("enrolments.BpjsBatch", "created_by"): _("sent by"),
    ("claims.Claim", "created_by"): _("registered by"),
    ("civil_registry.DeathNotice", "decided_by"): _("decided by"),
}

# What makes a table about a person: a key to one of these, or a field named ``nik``.
PERSON_MODELS = ("workers.Worker", "enrolments.Enrolment")


def catalogued(label: str) -> dict[str, DataKind | None]:
    """Field name → its kind (``None``: not personal) for the table ``label``."""
    return {name: kind for kind, names in FIELDS.get(label, {}).items() for name in names}


def field_mismatch(model: type[models.Model]) -> tuple[list[str], list[str]]:
    """The model's fields the catalogue does not name, and the names in it that are no longer fields."""
    named = catalogued(model._meta.label)
    fields = [field.name for field in model._meta.concrete_fields]
    return [name for name in fields if name not in named], [name for name in named if name not in fields]


def personal_fields(label: str) -> list[tuple[DataKind, str]]:
    """The personal fields of the table ``label``, in the model's order, each as its kind and its name."""
    named = catalogued(label)
    model = apps.get_model(label)
    return [
        (kind, str(FIELD_NAMES.get((label, field.name), field.verbose_name)))
        for field in model._meta.concrete_fields
        if (kind := named.get(field.name)) is not None  # a field the catalogue misses is the test's to catch
    ]


def unnamed_fields() -> list[str]:
    """Personal fields shown by Django's fallback name (the field's own, in English): they need a name."""
    found = []
    for label in FIELDS:
        model = apps.get_model(label)
        for field in model._meta.concrete_fields:
            if catalogued(label).get(field.name) is None or (label, field.name) in FIELD_NAMES:
                continue
            fallback = field.name.replace("_", " ")  # what Django shows for a field given no name
            if not isinstance(field.verbose_name, Promise) and field.verbose_name == fallback:
                found.append(f"{label}.{field.name}")
    return found


def tables_about_people() -> list[str]:
    """Lindung's tables that hold something about a worker: a key to a worker or an enrolment, or a NIK."""
    people = {apps.get_model(label) for label in PERSON_MODELS}
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("lindung."):
            continue
        for field in model._meta.concrete_fields:
            if field.name == "nik" or (field.is_relation and field.related_model in people):
                found.append(model._meta.label)
                break
    return found
