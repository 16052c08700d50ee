"""Reads of the administration pages: what the administrator may administer, within their region."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum

from lindung.accounts.models import LoginLock, Role, User
from lindung.accounts.scope import scope_code_q, scope_of
from lindung.programmes.models import FunderType, Programme, RegencyQuota
from lindung.public.models import BpjsOffice
from lindung.regions.models import Region


def users_administered(actor: User, *, search: str = "", role: str = "") -> QuerySet[User]:
    """The accounts ``actor`` administers: within their region, never a superuser or staff account unless the
    actor is a superuser (``accounts.services.account_manageable``)."""
    users = (
        User.objects.filter(scope_code_q(actor, "region__code"))
        .exclude(role=Role.SISTEM)  # connected systems are listed with their API clients
        .select_related("region")
    )
    if not actor.is_superuser:
        users = users.filter(is_superuser=False, is_staff=False, region__isnull=False)
    if search:
        users = users.filter(
            Q(username__icontains=search) | Q(first_name__icontains=search) | Q(last_name__icontains=search)
        )
    if role:
        users = users.filter(role=role)
    return users.order_by("username")


def locked_usernames(usernames: list[str]) -> set[str]:
    """Which of ``usernames`` are locked after too many failed logins (locks are kept case-folded)."""
    keys = {name.casefold(): name for name in usernames}
    return {keys[key] for key in LoginLock.objects.filter(username__in=list(keys)).values_list("username", flat=True)}


def programmes_configured(actor: User) -> QuerySet[Programme]:
    """The programmes ``actor`` configures: those whose region lies within theirs, with their quotas' sum."""
    return (
        Programme.objects.filter(scope_code_q(actor, "region__code"))
        .select_related("region")
        .annotate(quota_total=Sum("quotas__quota"), quota_count=Count("quotas"))
        .order_by("-coverage_start", "code")
    )


def programme_quotas(programme: Programme) -> QuerySet[RegencyQuota]:
    return RegencyQuota.objects.filter(programme=programme).select_related("regency").order_by("regency_id")


def regencies_for_quotas(actor: User, programme: Programme) -> QuerySet[Region]:
    """The regencies/cities of ``programme``'s region (within the actor's) that may be given a quota."""
    scope = scope_of(actor)
    regencies = Region.objects.filter(level=Region.Level.REGENCY).filter(
        Q(code=programme.region_id) | Q(code__startswith=programme.region_id + ".")
    )
    return regencies.filter(scope.code_q("code")).order_by("code")


def regions_to_give(actor: User) -> QuerySet[Region]:
    """The provinces and regencies/cities within ``actor``'s region, offered when a region is typed."""
    regions = Region.objects.filter(level__lte=Region.Level.REGENCY)
    return regions.filter(scope_of(actor).code_q("code")).order_by("code")


@dataclass(frozen=True)
class Funder:
    """A funder as the programmes name it: its type and name, and how many of the actor's programmes it funds."""

    funder_type: str
    name: str
    programmes: int

    @property
    def type_label(self) -> str:
        return str(FunderType(self.funder_type).label) if self.funder_type in FunderType.values else self.funder_type


def funders(actor: User) -> list[Funder]:
    """The funders named by the programmes ``actor`` configures, by type and name."""
    rows = (
        Programme.objects.filter(scope_code_q(actor, "region__code"))
        .values("funder_type", "funder_name")
        .annotate(n=Count("id"))
        .order_by("funder_type", "funder_name")
    )
    return [Funder(row["funder_type"], row["funder_name"], row["n"]) for row in rows]


def offices_administered(actor: User) -> QuerySet[BpjsOffice]:
    """The BPJS offices of the regencies/cities within ``actor``'s region."""
    return BpjsOffice.objects.filter(scope_code_q(actor, "regency_code")).order_by("regency_code")


def region_names(codes: list[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
