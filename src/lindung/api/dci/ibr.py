"""Lindung as a DCI integrated beneficiary registry (IBR profile): what a search or an enrolment check finds,
read through the enrolments' selectors within the caller's region, and the records it answers.

- A record (``Beneficiary``) is one person in one programme: an enrolment of Lindung, with the person, the
  programme, its status and the insurance benefit (``benefit_type`` Insurance: JKK, JKM, the coverage period).
  A search by NIK (one person) says whether each enrolment covers today, as a claim and the public check ask
  it (``contributions.coverage_day.coverage_on``: ``coverage_status`` covered, not_active, before_start, ended or
  arrears). That answer costs some queries per enrolment, so a list (a predicate) leaves ``coverage_status``
  empty and gives the months paid through as the night's coverage job last derived them (``CoverageStatus``).
- Queries: ``idtype-value`` with the type ``NIK``; ``predicate`` and ``expression`` on ``region`` (a region code:
  that region and everything under it), ``programme`` (its code), ``status`` (Lindung's status or the
  standard's ``Active``, ``Deceased``, ``Graduated``, ``Suspended``) and ``person_identifier`` (a NIK), each with
  ``eq``, combined with ``and``.
- Outside the caller's region a person is not found: the same answer as an unknown NIK.
- A search by NIK answers the whole NIK and the birth date (the caller named them) to a caller who may see them
  on the web's worker page, audited as there (``worker_nik_view``); anyone else, a person whose processing is
  restricted (UU 27/2022: not shown whole), and every list, gets the NIK masked, as the web's lists show it.
- Pages count from 1, at most ``PAGE_SIZE_MAX`` records each, within the first ``WINDOW_MAX`` records.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.models import User
from lindung.accounts.scope import RegionScope
from lindung.api.dci.envelope import (
    DCI_VERSION,
    PREDICATES_MAX,
    REG_RECORD_TYPE,
    REG_TYPE,
    EnrolledCriteria,
    ExpPredicateWithCondition,
    IdTypeValue,
    PaginationRequest,
    SearchCriteria,
)
from lindung.contributions.coverage_day import CoverageOnDay, coverage_on
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.enrolments.selectors import enrolment_list
from lindung.errors import RefusedStep
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask
from lindung.workers.restriction import exported_identity
from lindung.workers.selectors import worker_search_q
from lindung.workers.services import worker_nik_view

PAGE_SIZE_MAX = 50
WINDOW_MAX = 10_000
SEARCHES_PER_MESSAGE = 20
# The identifier type of ``idtype-value``; a masked NIK is answered under its own type.
NIK = "NIK"
NIK_MASKED = "NIK_MASKED"

_NIK = re.compile(r"^[0-9]{16}$")
_REGION_CODE = re.compile(r"^[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?$")
# The names a query may give an attribute → Lindung's attribute.
_ATTRIBUTES = {
    "region": "region",
    "region_code": "region",
    "programme": "programme",
    "programme_identifier": "programme",
    "status": "status",
    "enrolment_status": "status",
    "nik": "nik",
    "person_identifier": "nik",
    "identifier_value": "nik",
}
# The standard's enrolment statuses (``EnrollmentStatus``: codes 1 to 4, or their names).
_ACTIVE, _DECEASED, _GRADUATED, _SUSPENDED = "Active", "Deceased", "Graduated", "Suspended"
_DCI_STATUSES = {"1": _ACTIVE, "2": _DECEASED, "3": _GRADUATED, "4": _SUSPENDED}
_SEX = {"L": "M", "P": "F"}


class SearchRefused(Exception):
    """A request of a message that Lindung will not answer: ``code`` is the standard's reason code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _criteria_refused(message: str) -> SearchRefused:
    return SearchRefused("rjct.search_criteria.invalid", message)


@dataclass(frozen=True)
class Found:
    records: list[dict[str, Any]]
    page_size: int
    page_number: int
    total_count: int

    def pagination(self) -> dict[str, int]:
        return {"page_size": self.page_size, "page_number": self.page_number, "total_count": self.total_count}


# --- reading a query ---------------------------------------------------------------------------------------


def _text(value: object) -> str:
    # A NUL character is no text a database column holds (PostgreSQL refuses it): refused with the rest.
    if isinstance(value, bool) or not isinstance(value, str | int) or "\x00" in str(value):
        raise _criteria_refused(_("Each value of the query is a text or a number."))
    return str(value).strip()[:100]


def _nik(value: object) -> str:
    nik = _text(value)
    if not _NIK.match(nik):
        raise _criteria_refused(_("A NIK is 16 digits."))
    return nik


def _id_query(query: object) -> str:
    if not isinstance(query, IdTypeValue):
        raise _criteria_refused(_("An idtype-value query is {type, value}."))
    if query.type.strip().upper() != NIK:
        raise _criteria_refused(_("Lindung finds people by their NIK: the type is NIK."))
    return _nik(query.value)


def _attribute(name: str) -> str:
    attribute = _ATTRIBUTES.get(name.strip().lower())
    if attribute is None:
        raise _criteria_refused(
            _("Lindung searches by %(names)s.") % {"names": "region, programme, status, person_identifier"}
        )
    return attribute


def _predicate_conditions(query: object) -> list[tuple[str, str]]:
    if not isinstance(query, list) or not query or not all(isinstance(p, ExpPredicateWithCondition) for p in query):
        raise _criteria_refused(_("A predicate query is a list of expressions."))
    conditions: list[tuple[str, str]] = []
    for predicate in query:
        if predicate.condition not in (None, "and"):
            raise _criteria_refused(_("Lindung combines the expressions of a query with and only."))
        for expression in (predicate.expression1, predicate.expression2):
            if expression is None:
                continue
            if expression.operator != "eq":
                raise _criteria_refused(_("Lindung compares with eq only."))
            conditions.append((_attribute(expression.attribute_name), _text(expression.attribute_value)))
    return conditions


def _expression_conditions(query: object) -> list[tuple[str, str]]:
    """The standard's expression form: ``{"$and": [{"person_identifier": {"eq": "..."}}, ...]}``, or one term."""
    if not isinstance(query, dict):
        raise _criteria_refused(_('An expression query is {"$and": [{attribute: {"eq": value}}]}.'))
    terms = query["$and"] if set(query) == {"$and"} else [query]
    if not isinstance(terms, list) or not terms:
        raise _criteria_refused(_('An expression query is {"$and": [{attribute: {"eq": value}}]}.'))
    conditions: list[tuple[str, str]] = []
    for term in terms[: PREDICATES_MAX + 1]:
        if not isinstance(term, dict) or len(term) != 1:
            raise _criteria_refused(_('An expression query is {"$and": [{attribute: {"eq": value}}]}.'))
        ((name, test),) = term.items()
        if isinstance(test, dict):
            if len(test) != 1 or next(iter(test)) not in ("eq", "$eq"):
                raise _criteria_refused(_("Lindung compares with eq only."))
            test = next(iter(test.values()))
        conditions.append((_attribute(str(name)), _text(test)))
    return conditions


def _conditions(query_type: str, query: object) -> list[tuple[str, str]]:
    if query_type == "idtype-value":
        conditions = [("nik", _id_query(query))]
    elif query_type == "predicate":
        conditions = _predicate_conditions(query)
    else:
        conditions = _expression_conditions(query)
    if len(conditions) > PREDICATES_MAX:
        raise _criteria_refused(_("At most %(count)d conditions in one query.") % {"count": PREDICATES_MAX})
    return conditions


def _status_q(value: str) -> Q:
    if value in Status.values:
        return Q(status=value)
    dci = _DCI_STATUSES.get(value, value).casefold()
    if dci == _ACTIVE.casefold():
        return Q(status=Status.ACTIVE)
    if dci == _DECEASED.casefold():
        return Q(status=Status.ENDED, end_reason=EndReason.DIED)
    if dci == _GRADUATED.casefold():
        return Q(status=Status.ENDED) & ~Q(end_reason=EndReason.DIED)
    if dci == _SUSPENDED.casefold():
        return Q(pk__in=[])  # Lindung suspends nobody: an enrolment is active or it ended
    raise _criteria_refused(
        _("A status is one of %(statuses)s.")
        % {"statuses": ", ".join([_ACTIVE, _DECEASED, _GRADUATED, _SUSPENDED, *Status.values])}
    )


def _matching(user: User, conditions: list[tuple[str, str]]) -> QuerySet[Enrolment]:
    """The enrolments ``user`` may see that meet every condition (``enrolment_list``: the region scope)."""
    enrolments = enrolment_list(user=user).select_related("coverage_status")
    for attribute, value in conditions:
        if attribute == "nik":
            enrolments = enrolments.filter(worker_search_q(_nik(value), prefix="worker__") or Q(pk__in=[]))
        elif attribute == "region":
            if not _REGION_CODE.match(value):
                raise _criteria_refused(_("A region is a Kemendagri code such as 61.01."))
            # Within the caller's scope already: a region outside it leaves nothing.
            enrolments = enrolments.filter(RegionScope(code=value).q())
        elif attribute == "programme":
            enrolments = enrolments.filter(programme__code=value)
        else:
            enrolments = enrolments.filter(_status_q(value))
    return enrolments


def _page(pagination: PaginationRequest | None) -> tuple[int, int]:
    if pagination is None:
        return PAGE_SIZE_MAX, 1
    if pagination.page_size < 1 or pagination.page_number < 1:
        raise SearchRefused("rjct.pagination.invalid", _("page_size and page_number count from 1."))
    size = min(pagination.page_size, PAGE_SIZE_MAX)
    if (pagination.page_number - 1) * size >= WINDOW_MAX:
        raise SearchRefused(
            "rjct.pagination.invalid",
            _("Only the first %(count)d records of a search can be paged through: narrow the search.")
            % {"count": WINDOW_MAX},
        )
    return size, pagination.page_number


def _reg_type_check(reg_type: str | None) -> None:
    if reg_type is not None and reg_type.rsplit(":", 1)[-1].strip().casefold() != "ibr":
        raise _criteria_refused(
            _("Lindung is an integrated beneficiary registry: reg_type %(type)s.") % {"type": REG_TYPE}
        )


# --- answering -----------------------------------------------------------------------------------------


def search(user: User, criteria: SearchCriteria, *, today: dt.date | None = None) -> Found:
    """The records of one ``search_criteria``, a page of them; ``SearchRefused`` when it cannot be answered."""
    _reg_type_check(criteria.reg_type)
    size, number = _page(criteria.pagination)
    conditions = _conditions(criteria.query_type, criteria.query)
    enrolments = _matching(user, conditions)
    total = enrolments.count()
    start = (number - 1) * size
    rows = list(enrolments[start : start + size]) if start < total else []
    by_nik = criteria.query_type == "idtype-value"
    # A search by NIK names the person: the whole NIK and birth date are answered to whoever may see them on
    # the worker's page, and audited as there. Anyone else, and every list, gets the NIK masked.
    shown: set[int] = set()
    for worker in {row.worker_id: row.worker for row in rows}.values() if by_nik else ():
        try:
            worker_nik_view(actor=user, worker=worker)
        except (PermissionDenied, RefusedStep):  # not theirs to see whole, or the person restricted processing
            continue
        shown.add(worker.pk)
    today = today or timezone.localdate()
    records = [
        beneficiary(
            row, whole_nik=row.worker_id in shown, cover=coverage_on(row, today, today=today) if by_nik else None
        )
        for row in rows
    ]
    return Found(records=records, page_size=size, page_number=number, total_count=total)


def search_data(criteria: SearchCriteria, found: Found) -> dict[str, Any]:
    return {
        "version": DCI_VERSION,
        "reg_type": criteria.reg_type or REG_TYPE,
        "reg_record_type": REG_RECORD_TYPE,
        "reg_records": found.records,
    }


def enrolled(user: User, criteria: EnrolledCriteria) -> bool:
    """Whether the person the criteria name is an active beneficiary within ``user``'s region (and within the
    programme or region they name); an unknown person and one outside the region alike are not."""
    conditions = _conditions(criteria.query_type, criteria.query)
    if not any(attribute == "nik" for attribute, _value in conditions):
        raise _criteria_refused(_("Name the person: person_identifier (a NIK)."))
    return _matching(user, conditions).filter(status=Status.ACTIVE).exists()


def enrolment_status(enrolment: Enrolment) -> str:
    """The standard's status of a beneficiary (``EnrollmentStatus``); empty while Lindung's enrolment is not, or
    never was, active (proposed, verified, sent to BPJS, rejected): its own status says which."""
    if enrolment.status == Status.ACTIVE:
        return _ACTIVE
    if enrolment.status == Status.ENDED:
        return _DECEASED if enrolment.end_reason == EndReason.DIED else _GRADUATED
    return ""


def _iso(day: dt.date | None) -> str:
    return day.isoformat() if day else ""


def _person(worker: Worker, *, whole_nik: bool) -> dict[str, Any]:
    # An answer to another system is an export: a person whose processing is restricted is sent without name or
    # NIK (never whole: ``worker_nik_view`` refused), the enrolment and its cover as they are.
    nik, name = exported_identity(
        nik_masked=nik_mask(worker.nik), name=worker.name, restricted=worker.restricted_since is not None
    )
    return {
        "identifier_type": NIK if whole_nik else NIK_MASKED,
        "identifier_value": worker.nik if whole_nik else nik,
        # Indonesian names are not split into given and family names: the whole name is the first.
        "name": {"first_name": name, "second_name": "", "surname": ""},
        "sex": _SEX.get(worker.sex, ""),
        "birth_date": _iso(worker.birth_date) if whole_nik else "",
        "death_date": "",
    }


def _paid_through(enrolment: Enrolment, cover: CoverageOnDay | None) -> dt.date | None:
    if cover is not None:
        return cover.paid_through
    derived = getattr(enrolment, "coverage_status", None)  # none before the night's job has seen it
    return derived.paid_through if derived is not None else None


def beneficiary(enrolment: Enrolment, *, whole_nik: bool, cover: CoverageOnDay | None) -> dict[str, Any]:
    """One enrolment as the standard's ``Beneficiary``, with the insurance it buys and, when ``cover`` is given,
    whether it covers the day ``cover`` was asked for."""
    worker, programme = enrolment.worker, enrolment.programme
    components = [
        name
        for name, included in (
            ("JKK", programme.includes_jkk),
            ("JKM", programme.includes_jkm),
            ("JHT", programme.includes_jht),
        )
        if included
    ]
    return {
        "member": {
            "member_identifier": str(worker.pk),
            "demographic_info": {"person": _person(worker, whole_nik=whole_nik)},
            "registration_date": _iso(timezone.localdate(worker.created_at)),
            "programme_identifier": {
                "programme": {"programme_identifier": programme.code, "programme_name": programme.name},
                "enrolment_date": _iso(enrolment.coverage_start),
                "enrolment_status": enrolment_status(enrolment),
                "status_change_date": _iso(timezone.localdate(enrolment.updated_at)),
                "benefits": {
                    "benefit_type": "Insurance",
                    "benefit_date": _iso(enrolment.coverage_start),
                    "benefit_value": ", ".join(components),
                    "benefit_frequency": "Monthly",
                    "insurance": {
                        "components": components,
                        "coverage_status": cover.reason if cover is not None else "",
                        "coverage_start": _iso(enrolment.coverage_start),
                        "coverage_end": _iso(enrolment.coverage_end),
                        "paid_through": _iso(_paid_through(enrolment, cover)),
                    },
                },
            },
            "additional_attributes": [
                {"name": "lindung_status", "value": enrolment.status},
                {"name": "end_reason", "value": enrolment.end_reason},
                {"name": "region", "value": enrolment.village_id},
                {"name": "proposed_on", "value": _iso(timezone.localdate(enrolment.proposed_at))},
            ],
        }
    }
