"""``/api/v1/workers``: the registry. Search by NIK or name, read one worker with their heirs, register, correct.

Each route does what the web's view does (``lindung.workers.views``, ``lindung.enrolments.worker_list_views``):
authorise, read through the region scope (outside it a worker is 404 and absent from lists), validate with the
web's own forms, and write through the registry's services, which apply the rules and write the audit entry.
A list shows NIKs masked; a record shows the whole NIK and birth date only when asked (``show_nik``), to a
caller who may see them, and each such sight is audited as the web's "Show whole NIK" is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import get_in_scope_or_404
from lindung.api.conventions import PAGE_DEFAULT, PAGE_MAX, Page, etag_of, if_match, keyset_page
from lindung.api.problems import ApiProblem
from lindung.enrolments.models import Status
from lindung.enrolments.selectors import WorkerListFilters, worker_list_by_enrolment
from lindung.inputs import MAX_ID
from lindung.workers.forms import HeirFormSet, WorkerForm, heir_rows
from lindung.workers.models import Heir, Worker
from lindung.workers.nik import nik_mask
from lindung.workers.selectors import MIN_NAME_QUERY, is_name_query_too_short, worker_search_q
from lindung.workers.services import (
    EDITABLE_FIELDS,
    HEIR_FIELDS,
    LikelyDuplicates,
    worker_edit,
    worker_nik_view,
    worker_register,
)

router = Router(tags=["workers"])

NIK_PATTERN = r"^[0-9]{16}$"
TEXT_PATTERN = r"^[^\x00]*$"  # text without a NUL, which no database column holds
HEIRS_MAX = 20  # the web's formset's absolute_max


def api_user(request: HttpRequest) -> User:
    """The caller's account (``lindung.api.auth`` set it from the token)."""
    user = request.user
    assert isinstance(user, User)
    return user


def form_problem(form: Any, more: Sequence[dict[str, str]] = ()) -> ApiProblem:
    """A 422 naming each field a web form refused (and ``more``), with the form's own sentences."""
    errors = [
        {"field": "body" if field == "__all__" else field, "message": str(message)}
        for field, messages in form.errors.items()
        for message in messages
    ]
    errors.extend(more)
    detail = errors[0]["message"] if len(errors) == 1 else _("The request has values that are not valid.")
    return ApiProblem(422, "refused", detail, errors=errors[:100])


# --- shapes ---------------------------------------------------------------------------------------


class HeirOut(Schema):
    name: str
    relation: str
    nik: str = Field(description="Masked, as the web shows an heir's NIK.")
    phone: str
    share: int | None


class WorkerItem(Schema):
    id: int
    nik: str = Field(description="Masked (6101******800001): a list never shows a whole NIK.")
    name: str
    sex: str
    village: str
    regency: str
    occupation: str
    registered_at: dt.datetime


class WorkerOut(Schema):
    id: int
    nik: str = Field(description="Masked, or whole with show_nik=true (audited).")
    nik_whole: bool
    name: str
    birth_place: str
    birth_date: dt.date | None = Field(description="Only with show_nik=true, as the web shows it.")
    sex: str
    address: str
    village: str
    regency: str
    province: str
    phone: str
    occupation: str
    declared_income: int
    kk_number: str = Field(description="Masked.")
    heirs: list[HeirOut]
    privacy_notice_version: int | None = Field(
        description="The privacy notice the person was given at registration; null: registered before notices were "
        "recorded."
    )
    registered_at: dt.datetime
    updated_at: dt.datetime


def _item(worker: Worker) -> WorkerItem:
    return WorkerItem(
        id=worker.pk,
        nik=nik_mask(worker.nik),
        name=worker.name,
        sex=worker.sex,
        village=worker.village_id,
        regency=worker.regency_code,
        occupation=worker.occupation.code,
        registered_at=worker.created_at,
    )


def _heir(heir: Heir) -> HeirOut:
    return HeirOut(
        name=heir.name,
        relation=heir.relation,
        nik=nik_mask(heir.nik) if heir.nik else "",
        phone=heir.phone,
        share=heir.share,
    )


def _record(worker: Worker, *, show_nik: bool = False, heirs: Sequence[Heir] | None = None) -> WorkerOut:
    return WorkerOut(
        id=worker.pk,
        nik=worker.nik if show_nik else nik_mask(worker.nik),
        nik_whole=show_nik,
        name=worker.name,
        birth_place=worker.birth_place,
        birth_date=worker.birth_date if show_nik else None,
        sex=worker.sex,
        address=worker.address,
        village=worker.village_id,
        regency=worker.regency_code,
        province=worker.province_code,
        phone=worker.phone,
        occupation=worker.occupation.code,
        declared_income=worker.declared_income,
        kk_number=nik_mask(worker.kk_number) if worker.kk_number else "",
        heirs=[_heir(heir) for heir in (worker.heirs.order_by("pk") if heirs is None else heirs)],
        privacy_notice_version=worker.privacy_notice.version if worker.privacy_notice else None,
        registered_at=worker.created_at,
        updated_at=worker.updated_at,
    )


def _etag(worker: Worker, heirs: Sequence[Heir] | None = None) -> str:
    """The record's ETag: of what every reader is shown (the masked form, whichever form an answer shows), so
    that a change sent after either read is checked alike, and the tag says nothing of the hidden digits."""
    return etag_of(_record(worker, heirs=heirs).model_dump(mode="json"))


def _location(worker: Worker) -> str:
    return reverse("api:worker_read", kwargs={"worker_id": worker.pk})


# --- search ---------------------------------------------------------------------------------------


class WorkerSearch(Schema):
    nik: str | None = Field(None, pattern=NIK_PATTERN, description="A whole NIK, 16 digits: the worker holding it.")
    q: str | None = Field(
        None,
        max_length=100,
        pattern=TEXT_PATTERN,
        description="As the web's search box: a whole NIK, its last 6 digits, or the words of a name.",
    )
    regency: str | None = Field(None, max_length=13, pattern=r"^[0-9.]+$", description="A regency/city code.")
    category: str | None = Field(
        None, max_length=32, pattern=r"^[A-Za-z0-9_]+$", description="An occupation category's code."
    )
    status: Status | Literal["none"] | None = Field(None, description="An enrolment status; none: never enrolled.")
    programme: int | None = Field(None, ge=1, le=MAX_ID, description="A programme's id: workers enrolled in it.")
    cursor: str | None = Field(None, max_length=40)
    limit: int = Field(PAGE_DEFAULT, ge=1, le=PAGE_MAX)


@router.get("", response=Page[WorkerItem], summary="Search workers by NIK or name")
def workers_list(request: HttpRequest, search: Query[WorkerSearch]) -> dict[str, Any]:
    """The workers of the caller's region, newest first, searched as the web's list searches. A whole NIK
    (``nik``) is answered from the NIK's unique index: at most one worker, no count, no offset."""
    user = api_user(request)
    require(user, Action.WORKER_VIEW)
    q = (search.q or "").strip()
    if q and is_name_query_too_short(q):
        message = _(
            "Type at least %(n)d letters of a name, the last 6 digits of the NIK or the whole 16-digit NIK."
        ) % {"n": MIN_NAME_QUERY}
        raise ApiProblem(422, "refused", message, errors=[{"field": "q", "message": message}])
    filters = WorkerListFilters(
        regency=search.regency or "",
        category=search.category or "",
        status=str(search.status or ""),
        programme=search.programme,
    )
    workers = worker_list_by_enrolment(user=user, q=search.nik or q, filters=filters)
    if search.nik and q:
        condition = worker_search_q(q)
        assert condition is not None  # a name too short is refused above
        workers = workers.filter(condition)
    workers = workers.select_related("occupation")
    if search.nik:
        # One NIK, one worker: no order, so that the unique index alone answers.
        rows = list(workers.order_by()[:1])
        next_cursor = None
    else:
        rows, next_cursor = keyset_page(workers, cursor=search.cursor, limit=search.limit)
    return {"items": [_item(worker) for worker in rows], "next_cursor": next_cursor}


# --- one worker -----------------------------------------------------------------------------------


def _worker_in_scope(user: User, worker_id: int, *, lock: bool = False) -> Worker:
    queryset = Worker.objects.select_related("occupation", "privacy_notice")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return get_in_scope_or_404(queryset, user, pk=worker_id)


@router.get("/{worker_id}", response=WorkerOut, url_name="worker_read", summary="One worker, with heirs")
def worker_read(request: HttpRequest, response: HttpResponse, worker_id: int, show_nik: bool = False) -> WorkerOut:
    """``show_nik=true``: the whole NIK and birth date, for a caller who may see them (403 otherwise); each such
    read is written in the audit log, as the web's "Show whole NIK" is. Refused (422) while the person's processing
    is restricted (UU 27/2022): the record is read masked."""
    user = api_user(request)
    require(user, Action.WORKER_VIEW)
    worker = _worker_in_scope(user, worker_id)
    if show_nik:
        worker_nik_view(actor=user, worker=worker)
    heirs = list(worker.heirs.order_by("pk"))
    response["ETag"] = _etag(worker, heirs)
    return _record(worker, show_nik=show_nik, heirs=heirs)


# --- register and correct -------------------------------------------------------------------------


class HeirIn(Schema):
    name: str = Field(max_length=150)
    relation: str = Field(max_length=16, description="pasangan, anak, orang_tua, cucu, kakek_nenek, saudara, ...")
    nik: str = Field("", max_length=25)
    phone: str = Field("", max_length=25)
    share: int | None = Field(None, description="A whole percent, 1 to 100.")


class WorkerFields(Schema):
    """The fields the web's registration form takes; values are read as the form reads them."""

    name: str = Field(max_length=150)
    birth_place: str = Field(max_length=100)
    birth_date: dt.date
    sex: Literal["L", "P"]
    address: str = Field(max_length=250)
    village: str = Field(max_length=13, description="The village's Kemendagri code, 61.01.01.2001.")
    phone: str = Field("", max_length=25)
    occupation: str = Field(
        max_length=120, description="A category's code or name, or an occupation: marbot, guru ngaji, petani sawit."
    )
    declared_income: int = Field(ge=1, description="Whole rupiah a month.")
    kk_number: str = Field("", max_length=25)
    mother_maiden_name: str = Field("", max_length=150)
    heirs: list[HeirIn] = Field(default_factory=list, max_length=HEIRS_MAX)


class WorkerIn(WorkerFields):
    nik: str = Field(max_length=25)
    privacy_notice_version: int = Field(
        ge=1,
        le=32_767,
        description="The version of the privacy notice the person was given (GET /pdp/pemberitahuan/versi/ on the "
        "web): the one in force today, or an earlier one given before today's took effect.",
    )
    confirm_likely_duplicate: bool = Field(
        False, description="True after a 422 likely-duplicate, when the caller has checked they are different people."
    )


class WorkerPatch(Schema):
    """Any of the registration's fields but the NIK (never changed); ``heirs``, when sent, replaces them all."""

    name: str | None = Field(None, max_length=150)
    birth_place: str | None = Field(None, max_length=100)
    birth_date: dt.date | None = None
    sex: Literal["L", "P"] | None = None
    address: str | None = Field(None, max_length=250)
    village: str | None = Field(None, max_length=13)
    phone: str | None = Field(None, max_length=25)
    occupation: str | None = Field(None, max_length=120)
    declared_income: int | None = Field(None, ge=1)
    kk_number: str | None = Field(None, max_length=25)
    mother_maiden_name: str | None = Field(None, max_length=150)
    heirs: list[HeirIn] | None = Field(None, max_length=HEIRS_MAX)


def _form_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _heir_data(heirs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The heirs as the web's formset posts them (prefix ``heirs``)."""
    data = {"heirs-TOTAL_FORMS": str(len(heirs)), "heirs-INITIAL_FORMS": "0"}
    for number, heir in enumerate(heirs):
        for field in HEIR_FIELDS:
            data[f"heirs-{number}-{field}"] = _form_value(heir.get(field))
    return data


def _forms(user: User, values: Mapping[str, Any], heirs: Sequence[Mapping[str, Any]], *, editing: bool) -> Any:
    """The web's worker form and heir formset, bound to ``values``: the same parsing and the same sentences."""
    data = {field: _form_value(value) for field, value in values.items()}
    form = WorkerForm(data, user=user, editing=editing)
    heir_forms = HeirFormSet(_heir_data(heirs), prefix="heirs")
    form_valid = form.is_valid()
    if not (heir_forms.is_valid() and form_valid):
        heir_errors = [
            {"field": f"heirs.{number}.{field}", "message": str(message)}
            for number, heir_form in enumerate(heir_forms.forms)
            for field, messages in heir_form.errors.items()
            for message in messages
        ] + [{"field": "heirs", "message": str(message)} for message in heir_forms.non_form_errors()]
        raise form_problem(form, heir_errors)
    return form, heir_forms


@router.post("", response={201: WorkerOut}, summary="Register a worker (the registration form's rules)")
def worker_create(request: HttpRequest, response: HttpResponse, payload: WorkerIn) -> WorkerOut:
    """As the web's registration form: the NIK checked against the birth date and sex, a NIK registered anywhere
    refused (naming only the regency when it is outside the caller's region), the age limit, the minimum income;
    a likely duplicate is refused (422, ``likely-duplicate``) until sent again with ``confirm_likely_duplicate``."""
    user = api_user(request)
    require(user, Action.WORKER_REGISTER)
    values = payload.model_dump(exclude={"heirs"})
    values["privacy_notice"] = values.pop("privacy_notice_version")  # the form's tick box carries the version
    heirs = [heir.model_dump() for heir in payload.heirs]
    form, heir_forms = _forms(user, values, heirs, editing=False)
    try:
        worker = worker_register(
            actor=user,
            data=form.cleaned_data,
            heirs=heir_rows(heir_forms),
            confirm_likely_duplicate=form.cleaned_data["confirm_likely_duplicate"],
        )
    except LikelyDuplicates as exc:
        raise ApiProblem(
            422, "likely-duplicate", exc.message, errors=[{"field": "confirm_likely_duplicate", "message": exc.message}]
        ) from None
    registered_heirs = list(worker.heirs.order_by("pk"))
    response["ETag"] = _etag(worker, registered_heirs)
    response["Location"] = _location(worker)
    return _record(worker, heirs=registered_heirs)


def _current_values(worker: Worker) -> dict[str, Any]:
    """The worker's values as the web's edit form starts with them."""
    values = {field: getattr(worker, field) for field in EDITABLE_FIELDS}
    values["village"] = worker.village_id
    values["occupation"] = worker.occupation.code
    return values


@router.patch("/{worker_id}", response=WorkerOut, summary="Correct a worker's data (If-Match)")
def worker_update(request: HttpRequest, response: HttpResponse, worker_id: int, payload: WorkerPatch) -> WorkerOut:
    """The fields sent replace the worker's (the NIK is never changed; ``heirs`` replaces every heir), under the
    edit form's rules. With ``If-Match``, a change of a worker changed since is refused (412)."""
    user = api_user(request)
    require(user, Action.WORKER_VIEW)
    with transaction.atomic():
        worker = _worker_in_scope(user, worker_id, lock=True)
        require(user, Action.WORKER_EDIT)
        if_match(request, _record(worker).model_dump(mode="json"))  # the ETag's representation (_etag)
        changes = payload.model_dump(exclude_unset=True)
        heirs = changes.pop("heirs", None)
        if heirs is None:
            heirs = list(worker.heirs.order_by("pk").values(*HEIR_FIELDS))
        values = {**_current_values(worker), **{k: v for k, v in changes.items() if v is not None}}
        form, heir_forms = _forms(user, values, heirs, editing=True)
        worker = worker_edit(actor=user, worker=worker, data=form.cleaned_data, heirs=heir_rows(heir_forms))
        heirs_now = list(worker.heirs.order_by("pk"))
    response["ETag"] = _etag(worker, heirs_now)
    return _record(worker, heirs=heirs_now)
