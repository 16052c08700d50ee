"""``/pengaturan/``: users, programmes, regency quotas, funders and BPJS offices, administered in the application.

For ``Action.ACCOUNT_MANAGE`` (users) and ``Action.PROGRAMME_CONFIGURE`` (the rest), within the administrator's
region: an account, a programme or an office outside it is absent (404). Every write is a service of the app that
owns the row (``accounts.services``, ``programmes.services``, ``public.services``), which checks the role and the
region again and writes the audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lindung.accounts.api_access import api_client_create, api_client_revoke, api_clients_visible
from lindung.accounts.api_scopes import scope_sentence
from lindung.accounts.models import ApiClient, User
from lindung.accounts.permissions import Action, require, signed_in_user, user_can
from lindung.accounts.services import (
    account_logins_unlock,
    account_manageable,
    user_active_set,
    user_create,
    user_password_reset,
    user_update,
)
from lindung.administration import selectors
from lindung.administration.forms import (
    ApiClientForm,
    FunderRenameForm,
    OfficeForm,
    ProgrammeForm,
    QuotaForm,
    UserForm,
    UserSearchForm,
)
from lindung.errors import RefusedStep
from lindung.inputs import key_fits
from lindung.numbers import grouped
from lindung.programmes.models import Programme, RegencyQuota
from lindung.programmes.services import (
    funder_rename,
    programme_configurable,
    programme_create,
    programme_update,
    regency_quota_remove,
    regency_quota_set,
)
from lindung.public.models import BpjsOffice
from lindung.public.services import bpjs_office_update
from lindung.web.pagination import CappedPaginator

PAGE_SIZE = 50


def _refuse(form: Form, refusal: RefusedStep) -> None:
    """A service's refusal next to its field, or at the top of the form."""
    form.add_error(refusal.field if refusal.field in form.fields else None, refusal.text)


def _posted_step[T](
    request: HttpRequest,
    form: Form,
    step: Callable[[], T],
    *,
    refresh: Model | None = None,
    refused: Callable[[RefusedStep], None] | None = None,
) -> T | None:
    """What ``step`` (the call of a service, which never returns ``None``) returns, once a POST's ``form`` is valid.

    ``None`` on a GET, an invalid form or a refusal. A refusal goes next to its field (``refused``, if given,
    handles it instead), after ``refresh`` is read again: the service may have changed it in memory before it
    refused, and the page shows what is stored.
    """
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return step()
    except RefusedStep as refusal:
        if refresh is not None:
            refresh.refresh_from_db()
        if refused is None:
            _refuse(form, refusal)
        else:
            refused(refusal)
        return None


def _administered_user(actor: User, user_id: int) -> User:
    """The account, if ``actor`` administers it; otherwise absent."""
    user = User.objects.select_related("region").filter(pk=user_id).first() if key_fits(User, None, user_id) else None
    if user is None or not account_manageable(actor=actor, user=user):
        raise Http404
    return user


def _configured_programme(actor: User, programme_id: int) -> Programme:
    programme = None
    if key_fits(Programme, None, programme_id):
        programme = Programme.objects.select_related("region").filter(pk=programme_id).first()
    if programme is None or not programme_configurable(actor=actor, programme=programme):
        raise Http404
    return programme


@require_GET
@login_required
def index(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/``: what the administrator may administer, with counts."""
    actor = signed_in_user(request)
    users_allowed = user_can(actor, Action.ACCOUNT_MANAGE)
    programmes_allowed = user_can(actor, Action.PROGRAMME_CONFIGURE)
    if not (users_allowed or programmes_allowed):
        raise PermissionDenied(Action.ACCOUNT_MANAGE.value)
    context = {
        "users": selectors.users_administered(actor).count() if users_allowed else None,
        "api_clients": api_clients_visible(actor).filter(revoked_at__isnull=True).count() if users_allowed else None,
        "inactive": selectors.users_administered(actor).filter(is_active=False).count() if users_allowed else None,
        "programmes": selectors.programmes_configured(actor).count() if programmes_allowed else None,
        "funders": len(selectors.funders(actor)) if programmes_allowed else None,
        "offices": selectors.offices_administered(actor).count() if programmes_allowed else None,
    }
    return render(request, "administration/index.html", context)


# ---------------------------------------------------------------- users


@require_GET
@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/pengguna/``: the accounts of the administrator's region, with their last login."""
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    form = UserSearchForm(request.GET or None)
    search, role = "", ""
    if form.is_bound and form.is_valid():
        search, role = form.cleaned_data["q"].strip(), form.cleaned_data["role"]
    page = CappedPaginator(selectors.users_administered(actor, search=search, role=role), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    locked = selectors.locked_usernames([user.username for user in page.object_list])
    return render(request, "administration/user_list.html", {"form": form, "page": page, "locked": locked})


def _regions_context(actor: User) -> dict[str, Any]:
    return {"regions": selectors.regions_to_give(actor)}


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def user_create_view(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/pengguna/baru/``: a new account; its temporary password is shown once."""
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    form = UserForm(request.POST or None, new=True)
    created = _posted_step(
        request,
        form,
        lambda: user_create(actor=actor, username=form.cleaned_data["username"], fields=form.account_fields()),
    )
    if created is not None:
        user, password = created
        return _password_page(request, user, password, created=True)
    return render(request, "administration/user_form.html", {"form": form, **_regions_context(actor)})


def _password_page(request: HttpRequest, user: User, password: str, *, created: bool) -> HttpResponse:
    """The temporary password, shown this once (only its hash is kept); its views are ``never_cache``."""
    context = {"account": user, "password": password, "created": created}
    return render(request, "administration/password_shown.html", context)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    """``/pengaturan/pengguna/<id>/``: an account's role, region and names; its activity and password."""
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    user = _administered_user(actor, user_id)
    form = UserForm(request.POST or None, new=False, initial=UserForm.initial_for(user))
    saved = _posted_step(
        request, form, lambda: user_update(actor=actor, user=user, fields=form.account_fields()), refresh=user
    )
    if saved is not None:
        messages.success(request, _("The account %(username)s is saved.") % {"username": user.username})
        return redirect("administration:user", user_id=user.pk)
    context = {
        "form": form,
        "account": user,
        "self": user.pk == actor.pk,
        "locked": bool(selectors.locked_usernames([user.username])),
        **_regions_context(actor),
    }
    return render(request, "administration/user_form.html", context)


@require_POST
@login_required
def user_active_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    user = _administered_user(actor, user_id)
    active = request.POST.get("active") == "1"
    try:
        user_active_set(actor=actor, user=user, active=active)
    except RefusedStep as refusal:
        messages.error(request, refusal.text)
    else:
        done = _("The account %(username)s can log in again.") if active else _("The account %(username)s is off.")
        messages.success(request, done % {"username": user.username})
    return redirect("administration:user", user_id=user.pk)


@never_cache
@require_POST
@login_required
def user_password_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    user = _administered_user(actor, user_id)
    try:
        password = user_password_reset(actor=actor, user=user)
    except RefusedStep as refusal:
        messages.error(request, refusal.text)
        return redirect("administration:user", user_id=user.pk)
    return _password_page(request, user, password, created=False)


@require_POST
@login_required
def user_unlock_view(request: HttpRequest, user_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_UNLOCK)
    user = _administered_user(actor, user_id)
    if account_logins_unlock(actor=actor, username=user.get_username()):
        messages.success(request, _("Logins of %(username)s are unlocked.") % {"username": user.username})
    return redirect("administration:user", user_id=user.pk)


# ---------------------------------------------------------------- API clients


@require_GET
@login_required
def api_client_list(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/klien-api/``: the systems that call the API within the administrator's region, newest first."""
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    page = CappedPaginator(api_clients_visible(actor), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "administration/api_client_list.html", {"page": page})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def api_client_create_view(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/klien-api/baru/``: register a system; its client_id and secret are shown once."""
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    form = ApiClientForm(request.POST or None, initial={"region": actor.region_id or ""})
    created = _posted_step(
        request,
        form,
        lambda: api_client_create(
            actor=actor,
            name=form.cleaned_data["name"],
            region_code=form.cleaned_data["region"],
            scopes=form.cleaned_data["scopes"],
            rate_limit_per_minute=form.cleaned_data["rate_limit"],
        ),
    )
    if created is not None:
        client, secret = created
        context = {
            "client": client,
            "secret": secret,
            "token_url": request.build_absolute_uri("/api/v1/oauth/token"),
            "scopes": [(scope, scope_sentence(scope)) for scope in client.scopes],
        }
        return render(request, "administration/api_client_secret.html", context)
    return render(request, "administration/api_client_form.html", {"form": form, **_regions_context(actor)})


@require_POST
@login_required
def api_client_revoke_view(request: HttpRequest, apiclient_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.ACCOUNT_MANAGE)
    client = None
    if key_fits(ApiClient, None, apiclient_id):
        client = api_clients_visible(actor).filter(pk=apiclient_id).first()
    if client is None:
        raise Http404
    if api_client_revoke(actor=actor, client=client):
        done = _("The client %(name)s is revoked: its tokens no longer work.")
        messages.success(request, done % {"name": client.name})
    return redirect("administration:api_clients")


# ---------------------------------------------------------------- programmes and quotas


@require_GET
@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/program/``: the programmes of the administrator's region, open or closed, with their quotas."""
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    return render(request, "administration/programme_list.html", {"programmes": selectors.programmes_configured(actor)})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def programme_create_view(request: HttpRequest) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    form = ProgrammeForm(request.POST or None, initial=ProgrammeForm.initial_new(timezone.localdate()))
    programme = _posted_step(request, form, lambda: programme_create(actor=actor, fields=form.programme_fields()))
    if programme is not None:
        messages.success(request, _("Programme %(code)s is created.") % {"code": programme.code})
        return redirect("administration:programme", programme_id=programme.pk)
    return render(request, "administration/programme_form.html", {"form": form, **_regions_context(actor)})


def _programme_initial(programme: Programme) -> dict[str, Any]:
    names = [name for name in ProgrammeForm.base_fields if name != "region"]
    return {**{name: getattr(programme, name) for name in names}, "region": programme.region_id}


def _programme_page(
    request: HttpRequest, actor: User, programme: Programme, *, form: ProgrammeForm, quota_form: QuotaForm
) -> HttpResponse:
    quotas = list(selectors.programme_quotas(programme))
    context = {
        "form": form,
        "quota_form": quota_form,
        "programme": programme,
        "quotas": quotas,
        "quota_total": sum(row.quota for row in quotas),
        **_regions_context(actor),
    }
    return render(request, "administration/programme_form.html", context)


def _quota_form(actor: User, programme: Programme, data: Any = None) -> QuotaForm:
    regencies = [(r.code, f"{r.code} {r.name}") for r in selectors.regencies_for_quotas(actor, programme)]
    return QuotaForm(data, regencies=regencies)


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    """``/pengaturan/program/<id>/``: a programme's code, funder, period, rate, target, open or closed; its quotas."""
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    programme = _configured_programme(actor, programme_id)
    form = ProgrammeForm(request.POST or None, initial=_programme_initial(programme))
    saved = _posted_step(
        request,
        form,
        lambda: programme_update(actor=actor, programme=programme, fields=form.programme_fields()),
        refresh=programme,
    )
    if saved is not None:
        messages.success(request, _("Programme %(code)s is saved.") % {"code": saved.code})
        return redirect("administration:programme", programme_id=saved.pk)
    return _programme_page(request, actor, programme, form=form, quota_form=_quota_form(actor, programme))


@require_POST
@login_required
def quota_set_view(request: HttpRequest, programme_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    programme = _configured_programme(actor, programme_id)
    quota_form = _quota_form(actor, programme, request.POST)
    row = _posted_step(
        request,
        quota_form,
        lambda: regency_quota_set(
            actor=actor,
            programme=programme,
            regency_code=quota_form.cleaned_data["regency"],
            quota=quota_form.cleaned_data["quota"],
        ),
    )
    if row is not None:
        messages.success(
            request,
            _("The quota of %(regency)s is %(quota)s workers.")
            % {"regency": row.regency.name, "quota": grouped(row.quota)},
        )
        return redirect("administration:programme", programme_id=programme.pk)
    form = ProgrammeForm(initial=_programme_initial(programme))
    return _programme_page(request, actor, programme, form=form, quota_form=quota_form)


@require_POST
@login_required
def quota_remove_view(request: HttpRequest, regencyquota_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    quota = None
    if key_fits(RegencyQuota, None, regencyquota_id):
        quota = RegencyQuota.objects.select_related("programme", "regency").filter(pk=regencyquota_id).first()
    if quota is None or not programme_configurable(actor=actor, programme=quota.programme):
        raise Http404
    regency_quota_remove(actor=actor, quota=quota)
    messages.success(request, _("%(regency)s has no quota any more.") % {"regency": quota.regency.name})
    return redirect("administration:programme", programme_id=quota.programme_id)


# ---------------------------------------------------------------- funders


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def funder_list(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/penyandang-dana/``: the funders the programmes name; a funder's name written anew on all."""
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    form = FunderRenameForm(request.POST or None)
    # The list shows no form: a refusal, or what was typed wrong, is a message above it.
    count = _posted_step(
        request,
        form,
        lambda: funder_rename(
            actor=actor,
            funder_type=form.cleaned_data["funder_type"],
            name=form.cleaned_data["name"],
            new_name=form.cleaned_data["new_name"],
        ),
        refused=lambda refusal: messages.error(request, refusal.text),
    )
    if count is not None:
        messages.success(request, _("Programmes whose funder's name changed: %(count)s.") % {"count": count})
        return redirect("administration:funders")
    if request.method == "POST" and not form.is_valid():
        messages.error(request, _("Write the funder's new name (at most 200 characters)."))
    return render(request, "administration/funder_list.html", {"funders": selectors.funders(actor)})


# ---------------------------------------------------------------- BPJS offices


@require_GET
@login_required
def office_list(request: HttpRequest) -> HttpResponse:
    """``/pengaturan/kantor-bpjs/``: the BPJS office each regency/city's workers are pointed to."""
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    offices = list(selectors.offices_administered(actor))
    names = selectors.region_names([office.regency_code for office in offices])
    rows = [(office, names.get(office.regency_code, "")) for office in offices]
    return render(request, "administration/office_list.html", {"rows": rows})


@never_cache
@require_http_methods(["GET", "POST"])
@login_required
def office_edit(request: HttpRequest, bpjsoffice_id: int) -> HttpResponse:
    actor = signed_in_user(request)
    require(actor, Action.PROGRAMME_CONFIGURE)
    office = None
    if key_fits(BpjsOffice, None, bpjsoffice_id):
        office = selectors.offices_administered(actor).filter(pk=bpjsoffice_id).first()
    if office is None:
        raise Http404
    initial = {"name": office.name, "address": office.address, "source": office.source}
    form = OfficeForm(request.POST or None, initial=initial)
    saved = _posted_step(request, form, lambda: bpjs_office_update(actor=actor, office=office, **form.cleaned_data))
    if saved is not None:
        messages.success(request, _("The office of %(code)s is saved.") % {"code": office.regency_code})
        return redirect("administration:offices")
    region = selectors.region_names([office.regency_code]).get(office.regency_code, "")
    return render(request, "administration/office_form.html", {"form": form, "office": office, "region": region})
