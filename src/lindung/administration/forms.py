"""The administration's forms: what is typed, within the ranges of ``lindung.inputs``; the rules are the services'."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from lindung.accounts.api_scopes import scope_choices
from lindung.accounts.models import PERSON_ROLES, User
from lindung.accounts.services import AccountFields
from lindung.inputs import FIRST_DAY, LAST_DAY, BoundedIntegerField, DateField, RupiahField, WorkersField
from lindung.programmes.models import FunderType
from lindung.programmes.services import ProgrammeFields


def _region_field(label: Any, help_text: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=13,
        help_text=help_text,
        widget=forms.TextInput(attrs={"list": "regions", "autocomplete": "off", "size": 16, "spellcheck": "false"}),
    )


class UserSearchForm(forms.Form):
    q = forms.CharField(label=_("Username or name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All roles")), *PERSON_ROLES], required=False)


class UserForm(forms.Form):
    """An account's names, e-mail, role and region; a new account's username too."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        validators=[User.username_validator],
        help_text=_("Letters, digits and @ . + - _ only; it cannot be changed later."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=[("", "—"), *PERSON_ROLES])
    region = _region_field(
        _("Region"),
        _("Its code: 61 for the province, 61.01 for a regency/city, 61.01.01.2001 for a village."),
    )

    def __init__(self, *args: Any, new: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not new:
            del self.fields["username"]

    def account_fields(self) -> AccountFields:
        data = self.cleaned_data
        return AccountFields(
            first_name=data["first_name"],
            last_name=data["last_name"],
            email=data["email"],
            role=data["role"],
            region_code=data["region"],
        )

    @staticmethod
    def initial_for(user: User) -> dict[str, Any]:
        return {
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "role": user.role,
            "region": user.region_id or "",
        }


class ProgrammeForm(forms.Form):
    code = forms.CharField(label=_("Code"), max_length=32, help_text=_("Such as KALBAR-2026; unique."))
    name = forms.CharField(label=_("Name"), max_length=200)
    funder_type = forms.ChoiceField(label=_("Funder type"), choices=FunderType.choices)
    funder_name = forms.CharField(label=_("Funder"), max_length=200)
    region = _region_field(_("Region"), _("The province (61) or the regency/city (61.01) the programme covers."))
    fiscal_year = BoundedIntegerField(label=_("Fiscal year"), min_value=FIRST_DAY.year, max_value=LAST_DAY.year)
    coverage_start = DateField(label=_("Coverage from"), help_text=_("The first day of a month."))
    coverage_end = DateField(label=_("Coverage until"), help_text=_("The last day of a month."))
    budget_ceiling = RupiahField(label=_("Budget ceiling (Rp)"))
    target_workers = WorkersField(label=_("Target (workers)"), max_value=2**31 - 1)
    declared_income = RupiahField(
        label=_("Declared monthly income (Rp)"),
        min_value=1,
        help_text=_("The wage the contribution is a percentage of: it sets the rate per worker per month."),
    )
    includes_jkk = forms.BooleanField(label=_("JKK (work accident)"), required=False)
    includes_jkm = forms.BooleanField(label=_("JKM (death)"), required=False)
    includes_jht = forms.BooleanField(label=_("JHT (old-age savings)"), required=False)
    open_for_proposals = forms.BooleanField(label=_("Open for proposals"), required=False)

    def programme_fields(self) -> ProgrammeFields:
        data = self.cleaned_data
        return ProgrammeFields(
            code=data["code"],
            name=data["name"],
            funder_type=data["funder_type"],
            funder_name=data["funder_name"],
            region_code=data["region"],
            fiscal_year=data["fiscal_year"],
            coverage_start=data["coverage_start"],
            coverage_end=data["coverage_end"],
            budget_ceiling=data["budget_ceiling"],
            target_workers=data["target_workers"],
            declared_income=data["declared_income"],
            includes_jkk=data["includes_jkk"],
            includes_jkm=data["includes_jkm"],
            includes_jht=data["includes_jht"],
            open_for_proposals=data["open_for_proposals"],
        )

    @staticmethod
    def initial_new(today: dt.date) -> dict[str, Any]:
        year = today.year + 1
        return {
            "funder_type": FunderType.APBD_PROVINSI,
            "fiscal_year": year,
            "coverage_start": dt.date(year, 1, 1),
            "coverage_end": dt.date(year, 12, 31),
            "declared_income": 1_000_000,
            "includes_jkk": True,
            "includes_jkm": True,
            "open_for_proposals": False,
        }


class QuotaForm(forms.Form):
    """A regency/city of the programme's region and its quota."""

    regency = forms.ChoiceField(label=_("Regency/city"))
    quota = WorkersField(label=_("Quota (workers)"), max_value=2**31 - 1)

    def __init__(self, *args: Any, regencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["regency"].choices = [("", "—"), *regencies]  # type: ignore[attr-defined]


class FunderRenameForm(forms.Form):
    funder_type = forms.ChoiceField(choices=FunderType.choices, widget=forms.HiddenInput)
    name = forms.CharField(max_length=200, widget=forms.HiddenInput)
    new_name = forms.CharField(label=_("New name"), max_length=200)


class OfficeForm(forms.Form):
    name = forms.CharField(label=_("Office"), max_length=150)
    address = forms.CharField(label=_("Address"), max_length=250, required=False)
    source = forms.CharField(
        label=_("Source"), max_length=250, help_text=_("Where the name and address are known from (a page, a letter).")
    )


class ApiClientForm(forms.Form):
    """A system that will call the API: its name, region, scopes and limit (the rules are ``api_client_create``'s)."""

    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("The system, as the log will name it, such as Dukcapil Kalbar.")
    )
    region = _region_field(
        _("Region"), _("Its code: 61 for the province, 61.01 for a regency/city. It sees nothing outside it.")
    )
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), widget=forms.CheckboxSelectMultiple, help_text=_("What the system may do.")
    )
    rate_limit = forms.IntegerField(
        label=_("Requests per minute"), min_value=1, max_value=100_000, initial=600, widget=forms.NumberInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scopes"].choices = scope_choices()  # type: ignore[attr-defined]
