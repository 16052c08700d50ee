"""What waits for a signed-in user, as counts that link to the lists where the work is done.

Each count is what the user's role may act on (``accounts.permissions``), within their region
(``accounts.scope``), read the way the list it links to reads it, so the number and the list agree:

- enrolments by stage (proposed, verified, sent, rejected): one grouped count over the index
  ``enrolment_prog_regency_status`` (programme, regency, status): the programmes are listed first, and a
  province or a regency is matched on the regency column, so every condition is on the index's columns; per
  regency for a user who sees more than one (``bench/start_page.py``);
- invoices (draft; issued and not fully paid): the invoices of the user's programmes, a few rows a month;
- months due and never billed: the headline figure (``contributions.never_billed``, its summary table);
- claims with missing documents (reported) and claims needing attention (``claims.selectors.needs_attention_q``);
- deaths reported by the civil registry waiting for review (``civil_registry.selectors.death_notices``);
- failed imports: the uploads the user may see (``imports.selectors.import_batches``);
- requests of the person (UU 27/2022) open and due within 24 hours, and overdue: the data protection officer's
  warnings (``pdp.request_selectors.requests_due``, one query).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, user_can
from lindung.accounts.scope import scope_of, scope_queryset
from lindung.civil_registry.models import NoticeStatus
from lindung.civil_registry.selectors import death_notices
from lindung.claims.models import ClaimStatus
from lindung.claims.selectors import claims_in_scope, needs_attention_q
from lindung.contributions.models import Invoice, InvoiceStatus
from lindung.contributions.never_billed import never_billed
from lindung.contributions.selectors import programmes_in_scope
from lindung.enrolments.models import Enrolment, Status
from lindung.enrolments.selectors import regencies_in_scope
from lindung.imports.models import ImportStatus
from lindung.imports.selectors import import_batches
from lindung.pdp.clock import ClockState
from lindung.pdp.request_selectors import requests_due
from lindung.programmes.models import Programme


@dataclass(frozen=True)
class Part:
    """A share of a count (a regency's), with its own link."""

    label: str
    count: int
    url: str


@dataclass(frozen=True)
class Waiting:
    key: str
    label: str | Promise
    count: int
    url: str
    parts: tuple[Part, ...] = field(default=())
    warning: bool = False  # a deadline the law sets is near or past: shown as a warning while the count is not 0


def _enrolment_list(**query: str) -> str:
    return f"{reverse('enrolments:list')}?{urlencode(query)}"


def _queue(**query: str) -> str:
    return f"{reverse('enrolments:queue')}?{urlencode(query)}" if query else reverse("enrolments:queue")


def waiting_for(user: User, *, now: dt.datetime | None = None) -> list[Waiting]:
    """The counts of what waits for ``user``, in the order the work flows (zeros included: "nothing waits" is
    an answer too). ``now`` is the moment the legal clocks are read at (default: now)."""
    if scope_of(user).nothing:
        return []
    found: list[Waiting] = []
    can = {action: user_can(user, action) for action in Action}
    stages = _enrolment_stages(user, can)
    if can[Action.ENROLMENT_VERIFY]:
        per_regency = stages.get(Status.PROPOSED, {})
        names = {r.code: r.name for r in regencies_in_scope(user)}
        parts = tuple(
            Part(names.get(code, code), n, _queue(regency=code)) for code, n in sorted(per_regency.items()) if n
        )
        found.append(
            Waiting(
                "proposed",
                _("Proposals waiting for verification"),
                sum(per_regency.values()),
                _queue(),
                parts if len(names) > 1 else (),
            )
        )
    if can[Action.ENROLMENT_SEND]:
        found.append(
            Waiting(
                "verified",
                _("Verified, not yet sent to BPJS"),
                sum(stages.get(Status.VERIFIED, {}).values()),
                _enrolment_list(status=Status.VERIFIED),
            )
        )
    if can[Action.ENROLMENT_SEND] or can[Action.ENROLMENT_ACTIVATE]:
        found.append(
            Waiting(
                "sent",
                _("Sent to BPJS, waiting for BPJS's answer"),
                sum(stages.get(Status.SENT, {}).values()),
                _enrolment_list(status=Status.SENT),
            )
        )
    if can[Action.ENROLMENT_PROPOSE]:
        found.append(
            Waiting(
                "rejected",
                _("Rejected and not proposed again"),
                sum(stages.get(Status.REJECTED, {}).values()),
                _enrolment_list(status=Status.REJECTED),
            )
        )
    if can[Action.ENROLMENT_END] and can[Action.CLAIM_REGISTER]:
        found.append(
            Waiting(
                "death_notices",
                _("Deaths reported by the civil registry, waiting for review"),
                death_notices(user, status=NoticeStatus.PENDING).count(),
                f"{reverse('civil_registry:list')}?{urlencode({'status': NoticeStatus.PENDING})}",
            )
        )
    if can[Action.FINANCE_MANAGE]:
        found += _money(user)
    if can[Action.CLAIM_REGISTER] or can[Action.CLAIM_PROCESS] or can[Action.CLAIM_SETTLE]:
        found += _claims(user)
    if can[Action.ENROLMENT_PROPOSE]:
        failed = import_batches(user=user).filter(status=ImportStatus.FAILED).count()
        found.append(Waiting("imports_failed", _("Failed imports"), failed, reverse("imports:upload")))
    if can[Action.PDP_MANAGE]:
        found += _person_requests(user, now=now)
    return found


def _person_requests(user: User, *, now: dt.datetime | None) -> list[Waiting]:
    due = requests_due(user, now=now)
    requests = reverse("pdp:requests")
    return [
        Waiting(
            "pdp_overdue",
            _("Requests of the person past their 3 × 24 hours"),
            due.overdue,
            f"{requests}?{urlencode({'clock': ClockState.OVERDUE})}",
            warning=True,
        ),
        Waiting(
            "pdp_due_soon",
            _("Requests of the person due within 24 hours"),
            due.due_soon,
            f"{requests}?{urlencode({'clock': ClockState.DUE_SOON})}",
            warning=True,
        ),
    ]


def _enrolment_stages(user: User, can: dict[Action, bool]) -> dict[str, dict[str, int]]:
    """{status: {regency code: enrolments}} of the stages ``user`` acts on, in one grouped query."""
    wanted = [
        status
        for status, action in (
            (Status.PROPOSED, can[Action.ENROLMENT_VERIFY]),
            (Status.VERIFIED, can[Action.ENROLMENT_SEND]),
            (Status.SENT, can[Action.ENROLMENT_SEND] or can[Action.ENROLMENT_ACTIVATE]),
            (Status.REJECTED, can[Action.ENROLMENT_PROPOSE]),
        )
        if action
    ]
    if not wanted:
        return {}
    programmes = list(Programme.objects.values_list("pk", flat=True))
    if not programmes:
        return {}
    # A province's rows are matched on the regency column (its code begins with the province's), which the
    # index holds, rather than on the province column, which it does not.
    enrolments = Enrolment.objects.filter(programme_id__in=programmes, status__in=wanted)
    rows = (
        scope_queryset(enrolments, user, province="regency_code__startswith")
        .values_list("status", "regency_code")
        .annotate(n=Count("pk"))
        .order_by()
    )
    stages: dict[str, dict[str, int]] = defaultdict(dict)
    for status, regency, n in rows:
        stages[status][regency] = n
    return stages


def _money(user: User) -> list[Waiting]:
    programmes = list(programmes_in_scope(user))
    by_status = dict(
        Invoice.objects.filter(programme__in=programmes).values_list("status").annotate(n=Count("pk")).order_by()
    )
    unpaid = by_status.get(InvoiceStatus.ISSUED, 0) + by_status.get(InvoiceStatus.PARTLY_PAID, 0)
    invoices = reverse("contributions:list")
    return [
        Waiting("invoices_draft", _("Draft invoices, not issued"), by_status.get(InvoiceStatus.DRAFT, 0), invoices),
        Waiting("invoices_unpaid", _("Issued invoices not fully paid"), unpaid, invoices),
        Waiting(
            "never_billed",
            _("Months due and never billed"),
            never_billed(programmes, region_code=scope_of(user).code).months,
            invoices,
        ),
    ]


def _claims(user: User) -> list[Waiting]:
    counts = claims_in_scope(user).aggregate(
        missing=Count("pk", filter=Q(status=ClaimStatus.REPORTED)),
        attention=Count("pk", filter=needs_attention_q()),
    )
    claims = reverse("claims:list")
    return [
        Waiting(
            "claims_documents",
            _("Claims with documents missing"),
            counts["missing"],
            f"{claims}?{urlencode({'status': ClaimStatus.REPORTED})}",
        ),
        Waiting(
            "claims_attention", _("Claims stalled or reported late"), counts["attention"], f"{claims}?attention=on"
        ),
    ]
