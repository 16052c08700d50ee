"""The access document (UU 27/2022, Art. 32): everything Lindung holds about one person, and the trail of its
processing, as JSON for machines and as a PDF to hand over.

``access_document`` reads it (the data protection officer's right and region, nothing written); producing it for
the person is the service ``person_requests.access_document_produce``, which audits it.

The JSON has exactly the keys ``worker``, ``heirs``, ``enrolments``, ``contributions``, ``claims`` and ``trail``;
each trail item is ``{at, user, role, action}``: who viewed the whole NIK, exported, changed or otherwise processed
the record, when (ISO 8601, UTC offset included) and in which role (the account's role when the document is made:
the log keeps the account, not its role at the time).

The trail is read from the audit log:

1. every entry about the worker, their enrolments, claims and requests of the person (whole NIK viewed, changes,
   coverage checks, restriction, legal holds...);
2. the downloads of files that hold them by name: the BPJS batch files of their enrolments, the invoices that
   bill them;
3. the downloads of worker lists made, since their registration, by someone whose region covers their village:
   the log keeps a list's filter, not its rows, so such a list may have held them (their sentence says so).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import Role, User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_of
from lindung.audit.models import AuditEntry
from lindung.audit.sentences import entry_sentences
from lindung.claims.models import Claim
from lindung.contributions.models import CoverageStatus
from lindung.contributions.selectors import lines_of_enrolments
from lindung.enrolments.models import Enrolment
from lindung.pdp.models import PersonRequest
from lindung.regions.codes import ancestors
from lindung.regions.models import Region
from lindung.workers.models import Heir, Worker

KEYS = ("worker", "heirs", "enrolments", "contributions", "claims", "trail")
# Actions that hand out a file holding the worker by name, by the object the entry names.
_FILE_EXPORTS = ("bpjs.exported", "worker.exported")
_LIST_EXPORT = "worker.exported"


@dataclass(frozen=True)
class TrailEntry:
    at: dt.datetime
    user: str  # the account's name; empty: the system (the nightly run, a command without --as)
    role: str  # the account's role code; empty: the system or an account without a role
    action: str  # the audit entry's code (``worker.nik_viewed``)
    sentence: str  # the entry in words, in the language active when the document was read
    maybe: bool  # a list export that may have held the person (see the module's docstring)

    def as_dict(self) -> dict[str, str]:
        return {"at": self.at.isoformat(), "user": self.user, "role": self.role, "action": self.action}

    @property
    def role_label(self) -> str:
        return str(dict(Role.choices).get(self.role, self.role))


@dataclass(frozen=True)
class AccessDocument:
    """The JSON's content (``data``, every key of ``KEYS``) and the rows the PDF shows; the trail's sentences are
    in the language active when it was read."""

    worker: Worker
    made_at: dt.datetime
    data: dict[str, Any]
    heirs: list[Heir]
    enrolments: list[Enrolment]
    claims: list[Claim]
    trail: list[TrailEntry]

    def as_json(self) -> str:
        return json.dumps(self.data, ensure_ascii=False, indent=2)


def access_document(*, user: User, worker: Worker, now: dt.datetime | None = None) -> AccessDocument:
    """Everything held about ``worker`` and its processing trail, for a reader who runs the personal-data duties
    in the worker's region. Reads only: the service that hands it out audits it."""
    require(user, Action.PDP_MANAGE)
    if not scope_of(user).covers(worker.village_id):
        raise PermissionDenied("worker outside the reader's region")
    worker = Worker.objects.select_related("village__parent__parent__parent", "occupation").get(pk=worker.pk)
    enrolments = list(worker.enrolments.select_related("programme").order_by("proposed_at", "pk"))
    claims = list(Claim.objects.filter(worker=worker).select_related("programme").order_by("reported_at", "pk"))
    heirs = list(worker.heirs.order_by("pk"))
    trail = processing_trail(worker, enrolments=enrolments, claims=claims)
    data = {
        "worker": _worker(worker),
        "heirs": [
            {"name": h.name, "relation": h.relation, "nik": h.nik, "phone": h.phone, "share": h.share} for h in heirs
        ],
        "enrolments": [_enrolment(e) for e in enrolments],
        "contributions": _contributions(enrolments),
        "claims": [_claim(c) for c in claims],
        "trail": [entry.as_dict() for entry in trail],
    }
    return AccessDocument(
        worker=worker,
        made_at=now or timezone.now(),
        data=data,
        heirs=heirs,
        enrolments=enrolments,
        claims=claims,
        trail=trail,
    )


def processing_trail(
    worker: Worker, *, enrolments: list[Enrolment] | None = None, claims: list[Claim] | None = None
) -> list[TrailEntry]:
    """The audit log's entries about ``worker``, oldest first (see the module's docstring for which)."""
    if enrolments is None:
        enrolments = list(worker.enrolments.all())
    if claims is None:
        claims = list(Claim.objects.filter(worker=worker))
    enrolment_ids = [e.pk for e in enrolments]
    invoices = {str(pk) for pk in lines_of_enrolments(enrolment_ids).values_list("invoice_id", flat=True).distinct()}
    batches = {str(e.batch_id) for e in enrolments if e.batch_id is not None}
    requests = [str(pk) for pk in PersonRequest.objects.filter(worker=worker).values_list("pk", flat=True)]
    covering = ["", *ancestors(worker.village_id), worker.village_id]
    query = (
        Q(object_type="workers.worker", object_id=str(worker.pk))
        | Q(object_type="enrolments.enrolment", object_id__in=[str(pk) for pk in enrolment_ids])
        | Q(object_type="claims.claim", object_id__in=[str(c.pk) for c in claims])
        | Q(object_type="pdp.personrequest", object_id__in=requests)
        | Q(object_type="enrolments.bpjsbatch", object_id__in=batches, action__in=_FILE_EXPORTS)
        | Q(object_type="contributions.invoice", object_id__in=invoices, action="invoice.exported")
        | Q(object_type="", action=_LIST_EXPORT, region_code__in=covering, at__gte=worker.created_at)
    )
    entries = list(AuditEntry.objects.filter(query).order_by("at", "pk"))
    roles = dict(User.objects.filter(pk__in={e.actor_id for e in entries if e.actor_id}).values_list("pk", "role"))
    found = []
    for row in entry_sentences(entries):
        entry: AuditEntry = row["entry"]
        maybe = entry.object_type == "" and entry.action == _LIST_EXPORT
        sentence = row["sentence"]
        if maybe:
            sentence = gettext("%(sentence)s (a list of the region: it may have held this person)") % {
                "sentence": sentence
            }
        found.append(
            TrailEntry(
                at=entry.at,
                user=entry.actor_username,
                role=roles.get(entry.actor_id, "") if entry.actor_id else "",
                action=entry.action,
                sentence=sentence,
                maybe=maybe,
            )
        )
    return found


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _region_names(worker: Worker) -> dict[str, str]:
    """The village, district, regency and province of ``worker`` by name, from the village up."""
    names: dict[str, str] = {}
    region: Region | None = worker.village
    for level in ("village", "district", "regency", "province"):
        names[level] = region.name if region is not None else ""
        region = region.parent if region is not None else None
    return names


def _worker(worker: Worker) -> dict[str, Any]:
    return {
        "nik": worker.nik,
        "name": worker.name,
        "birth_place": worker.birth_place,
        "birth_date": _day(worker.birth_date),
        "sex": worker.sex,
        "address": worker.address,
        "village_code": worker.village_id,
        **_region_names(worker),
        "phone": worker.phone,
        "occupation": worker.occupation.name,
        "declared_income": worker.declared_income,
        "kk_number": worker.kk_number,
        "mother_maiden_name": worker.mother_maiden_name,
        "registered_at": worker.created_at.isoformat(),
        "processing_restricted_since": worker.restricted_since.isoformat() if worker.restricted_since else None,
    }


def _enrolment(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "programme": enrolment.programme.code,
        "programme_name": enrolment.programme.name,
        "status": enrolment.status,
        "kpj": enrolment.kpj,
        "proposed_at": enrolment.proposed_at.isoformat(),
        "activated_on": _day(enrolment.activated_on),
        "coverage_start": _day(enrolment.coverage_start),
        "coverage_end": _day(enrolment.coverage_end),
        "end_reason": enrolment.end_reason,
        "rejection_reason": enrolment.rejection_reason,
    }


def _contributions(enrolments: list[Enrolment]) -> list[dict[str, Any]]:
    """Per enrolment: its coverage months as last derived (paid through, paid, in arrears, never billed) and its
    invoice lines (each month billed for the person, with the invoice's state)."""
    ids = [e.pk for e in enrolments]
    statuses = {s.enrolment_id: s for s in CoverageStatus.objects.filter(enrolment_id__in=ids)}
    lines: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
    for line in lines_of_enrolments(ids).select_related("invoice").order_by("month", "invoice__month", "kind"):
        lines[line.enrolment_id].append(
            {
                "invoice_month": f"{line.invoice.month:%Y-%m}",
                "invoice_status": line.invoice.status,
                "month": f"{line.month:%Y-%m}",
                "kind": line.kind,
                "jkk": line.jkk,
                "jkm": line.jkm,
                "jht": line.jht,
                "amount": line.amount,
            }
        )
    found = []
    for enrolment in enrolments:
        status = statuses.get(enrolment.pk)
        found.append(
            {
                "enrolment": enrolment.pk,
                "programme": enrolment.programme.code,
                "paid_through": f"{status.paid_through:%Y-%m}" if status and status.paid_through else None,
                "months_billed": status.months_billed if status else 0,
                "months_paid": status.months_paid if status else 0,
                "months_in_arrears": status.months_in_arrears if status else 0,
                "months_never_billed": status.months_never_billed if status else 0,
                "lines": lines[enrolment.pk],
            }
        )
    return found


def _claim(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "programme": claim.programme.code,
        "type": claim.type,
        "status": claim.status,
        "incident_date": _day(claim.incident_date),
        "incident_place": claim.incident_place,
        "description": claim.description,
        "reporter_name": claim.reporter_name,
        "reporter_relation": claim.reporter_relation,
        "reporter_phone": claim.reporter_phone,
        "reported_at": claim.reported_at.isoformat(),
        "covered": claim.covered,
        "estimate_total": claim.estimate_total,
        "paid_amount": claim.paid_amount,
        "paid_on": _day(claim.paid_on),
        "rejection_reason": claim.rejection_reason,
        "documents": list(claim.documents),
    }


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Self-contained: never let a stored value (a name, an address) make WeasyPrint open a file or a URL.
    raise ValueError("no external resources in the access document")


def access_document_html(document: AccessDocument, *, language: str = "id") -> str:
    """The document's HTML (inline CSS, nothing fetched), in ``language``: what the PDF is made from. Read the
    document in the same language, for its trail's sentences."""
    with translation.override(language):
        contributions = {row["enrolment"]: row for row in document.data["contributions"]}
        enrolments = [(e, _shown(contributions[e.pk])) for e in document.enrolments]
        return render_to_string(
            "pdp/access_document.html",
            {"doc": document, "worker": document.worker, "enrolments": enrolments},
        )


def _month(value: str) -> dt.date:
    return dt.date.fromisoformat(f"{value}-01")


def _shown(contributions: dict[str, Any]) -> dict[str, Any]:
    """An enrolment's contributions as the JSON holds them, with its months as dates, for the document to write
    them as the reader's language does."""
    lines = [
        {**line, "month": _month(line["month"]), "invoice_month": _month(line["invoice_month"])}
        for line in contributions["lines"]
    ]
    paid_through = contributions["paid_through"]
    return {**contributions, "lines": lines, "paid_through": _month(paid_through) if paid_through else None}


def access_document_pdf(document: AccessDocument, *, language: str = "id") -> bytes:
    """The document as an A4 PDF."""
    import weasyprint  # heavy (pango): load it only when a PDF is asked for

    pdf = weasyprint.HTML(string=access_document_html(document, language=language), url_fetcher=_refuse_fetch)
    written = pdf.write_pdf()
    assert isinstance(written, bytes)
    return written
