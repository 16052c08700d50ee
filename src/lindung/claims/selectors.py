"""Reading claims, always through the user's region scope; sums are computed by the database."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from lindung.accounts.models import User
from lindung.accounts.scope import scope_queryset
from lindung.audit.models import AuditEntry
from lindung.claims.models import OPEN_STATUSES, Claim, ClaimStatus, ClaimType
from lindung.claims.services import STALLED_AFTER_DAYS
from lindung.contributions.headline import paid_q
from lindung.contributions.models import InvoiceLine
from lindung.enrolments.models import Enrolment, Status
from lindung.programmes.models import Programme
from lindung.regions.models import Region
from lindung.workers.nik import parse_nik


def claims_in_scope(user: User) -> QuerySet[Claim]:
    return scope_queryset(Claim.objects.all(), user)


def needs_attention_q(now: dt.datetime | None = None) -> Q:
    """Open claims without a step for 14 days, and accidents reported late (still open)."""
    now = now or timezone.now()
    stalled = Q(status_changed_at__lt=now - dt.timedelta(days=STALLED_AFTER_DAYS))
    return Q(status__in=OPEN_STATUSES) & (stalled | Q(reported_late=True))


def claim_list(
    *,
    user: User,
    status: str = "",
    type: str = "",
    programme: Programme | None = None,
    attention: bool = False,
) -> QuerySet[Claim]:
    claims = claims_in_scope(user).select_related("worker", "programme")
    if status:
        claims = claims.filter(status=status)
    if type:
        claims = claims.filter(type=type)
    if programme is not None:
        claims = claims.filter(programme=programme)
    if attention:
        claims = claims.filter(needs_attention_q())
    return claims.order_by("-reported_at", "-pk")


def enrolment_for_claim(user: User, nik_or_kpj: str, day: dt.date) -> Enrolment | None:
    """The worker's enrolment (in the user's scope) that covered ``day``, else their latest active or ended one.

    Typed as a NIK (16 digits) or a KPJ (11 digits), with spaces, dots or dashes allowed.
    """
    digits = "".join(ch for ch in nik_or_kpj if ch.isdigit())
    if len(digits) == 16:
        info = parse_nik(digits)
        if not info.valid:
            return None
        lookup = Q(worker__nik=digits)
    elif len(digits) == 11:
        lookup = Q(kpj=digits)
    else:
        return None
    candidates = scope_queryset(Enrolment.objects.filter(lookup), user).select_related("programme", "worker")
    covering = Q(status__in=[Status.ACTIVE, Status.ENDED], coverage_start__lte=day) & (
        Q(coverage_end__isnull=True) | Q(coverage_end__gte=day)
    )
    ranked = candidates.annotate(
        covers=Case(When(covering, then=Value(1)), default=Value(0), output_field=IntegerField()),
        started=Case(
            When(status__in=[Status.ACTIVE, Status.ENDED], then=Value(1)), default=Value(0), output_field=IntegerField()
        ),
    )
    return ranked.order_by("-covers", "-started", "-coverage_start", "-pk").first()


def claim_history(claim: Claim) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(object_type=Claim._meta.label_lower, object_id=str(claim.pk)).order_by("at", "pk")


def benefits_against_contributions(user: User, programme: Programme) -> dict[str, Any]:
    """Per regency/city: contributions paid and benefits BPJS paid; and per claim type.

    "Contributions paid" is the headline figure ``paid`` (``lindung.contributions.headline``, by its filter):
    the lines of invoices paid in full; a partly paid invoice's money is not earmarked for regencies.
    """
    lines = scope_queryset(
        InvoiceLine.objects.filter(paid_q("invoice__"), invoice__programme=programme),
        user,
        village="enrolment__village",
    )
    paid_by_regency = dict(
        lines.values("regency_code").annotate(total=Sum("amount")).order_by().values_list("regency_code", "total")
    )
    claims = claims_in_scope(user).filter(programme=programme)
    by_regency = {
        row["regency_code"]: row
        for row in claims.values("regency_code")
        .annotate(
            claims=Count("pk"),
            paid_claims=Count("pk", filter=Q(status=ClaimStatus.PAID)),
            benefits=Coalesce(Sum("paid_amount", filter=Q(status=ClaimStatus.PAID)), 0),
        )
        .order_by()
    }
    codes = sorted(set(paid_by_regency) | set(by_regency))
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    regencies = []
    for code in codes:
        row: dict[str, Any] = dict(by_regency.get(code, {}))
        contributions = int(paid_by_regency.get(code) or 0)
        benefits = int(row.get("benefits", 0))
        regencies.append(
            {
                "code": code,
                "name": names.get(code, code),
                "contributions": contributions,
                "claims": row.get("claims", 0),
                "paid_claims": row.get("paid_claims", 0),
                "benefits": benefits,
                "ratio": _ratio(benefits, contributions),
            }
        )
    types_rows = {
        row["type"]: row
        for row in claims.values("type")
        .annotate(
            claims=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
            paid_claims=Count("pk", filter=Q(status=ClaimStatus.PAID)),
            rejected=Count("pk", filter=Q(status=ClaimStatus.REJECTED)),
            estimated=Coalesce(Sum("estimate_total"), 0),
            benefits=Coalesce(Sum("paid_amount", filter=Q(status=ClaimStatus.PAID)), 0),
        )
        .order_by()
    }
    types = [
        {"type": kind, "label": kind.label, **types_rows.get(kind.value, _empty_type())}
        for kind in ClaimType
        if kind.value in types_rows
    ]
    contributions_total = sum(r["contributions"] for r in regencies)
    benefits_total = sum(r["benefits"] for r in regencies)
    return {
        "regencies": regencies,
        "types": types,
        "contributions": contributions_total,
        "benefits": benefits_total,
        "ratio": _ratio(benefits_total, contributions_total),
        "claims": sum(r["claims"] for r in regencies),
    }


def _empty_type() -> dict[str, int]:
    return {"claims": 0, "open": 0, "paid_claims": 0, "rejected": 0, "estimated": 0, "benefits": 0}


def _ratio(benefits: int, contributions: int) -> float | None:
    """Benefits paid per rupiah of contributions paid, in percent; None without contributions."""
    return round(100 * benefits / contributions, 1) if contributions else None
