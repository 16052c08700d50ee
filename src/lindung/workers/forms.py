"""Forms of the worker registry. They parse and normalise input; the registration rules are
``lindung.workers.registration``'s, applied by ``lindung.workers.services`` (a few also here, so that their
errors show with the form's own at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.inputs import BirthDateField, KeyChoiceField, RupiahField
from lindung.privacy_notices.selectors import notice_in_force, notice_problem
from lindung.regions.models import Region
from lindung.workers.models import HeirRelation, OccupationCategory, Sex, Worker
from lindung.workers.nik import parse_nik
from lindung.workers.occupations import (
    occupation_category_id,
    occupation_index,
    occupation_synonyms,
    occupation_unknown,
)
from lindung.workers.phone import phone_normalise
from lindung.workers.registration import identity_mismatches, kk_normalise, kk_problem
from lindung.workers.selectors import (
    MIN_NAME_QUERY,
    SORTS,
    WorkerFilters,
    is_name_query_too_short,
    regions_in_scope,
    villages_in_scope,
)


def _model_field(name: str, **overrides: Any) -> forms.Field:
    """The form field Django derives from the model (label, length), with ``overrides``."""
    model_field = Worker._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    field = model_field.formfield(**overrides)
    assert field is not None
    return field


class VillageChoiceField(KeyChoiceField):
    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name} — {obj.parent.name}" if obj.parent else obj.name


class OccupationField(forms.CharField):
    """The occupation category, typed or picked from a list: a category's code or name, or an occupation the
    synonyms file maps to one ("Marbot"), read by the registry's one rule (``occupations``), the import's too.
    Cleans to the ``OccupationCategory``; ``options`` are what the page's ``<datalist>`` offers."""

    LIST_ID = "occupation-options"
    MAX_LENGTH = 120  # OccupationCategory.name's; checked on the text typed, before it becomes a category

    def __init__(self, **kwargs: Any) -> None:
        attrs = {"list": self.LIST_ID, "autocomplete": "off", "maxlength": str(self.MAX_LENGTH)}
        super().__init__(widget=forms.TextInput(attrs=attrs), **kwargs)

    def prepare_value(self, value: Any) -> Any:
        return value.name if isinstance(value, OccupationCategory) else value

    def to_python(self, value: Any) -> OccupationCategory | None:  # type: ignore[override]
        typed = super().to_python(value)
        if not typed:
            return None
        MaxLengthValidator(self.MAX_LENGTH)(typed)
        ProhibitNullCharactersValidator()(typed)
        categories = {category.pk: category for category in OccupationCategory.objects.filter(active=True)}
        pk = occupation_category_id(typed, occupation_index((c.pk, c.code, c.name) for c in categories.values()))
        if pk is None:
            raise ValidationError(occupation_unknown(typed), code="unknown")
        return categories[pk]

    @staticmethod
    def options() -> list[tuple[str, str]]:
        """(value, label): the active categories' names, then the occupations of the synonyms file with the
        name of their category."""
        names = dict(OccupationCategory.objects.filter(active=True).values_list("code", "name"))
        return [(name, code) for code, name in names.items()] + [
            (synonym.occupation, names[synonym.category])
            for synonym in occupation_synonyms()
            if synonym.category in names
        ]


class NoticeCheckbox(forms.CheckboxInput):
    """A tick box whose value is the notice's version: ticked, it posts the version shown (the page may have been
    opened before a new version took effect), not just "on"."""

    version = ""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)

    def format_value(self, value: Any) -> str | None:
        return self.version or None


class PrivacyNoticeField(forms.Field):
    """ "The person was given the privacy notice": a tick box carrying the version in force on the form's day; cleans
    to that version (an int). Which versions a registration may record is the service's rule
    (``privacy_notices.selectors.notice_given``)."""

    widget = NoticeCheckbox

    def to_python(self, value: Any) -> int | None:
        value = str(value or "").strip()
        if not value:
            return None
        if not (value.isascii() and value.isdigit() and len(value) <= 5):
            raise ValidationError(_("Tick the box once the person was given the privacy notice."), code="invalid")
        return int(value)


class WorkerForm(forms.Form):
    """A worker's own data. ``nik`` only when registering: a NIK is never edited."""

    nik = forms.CharField(
        label=_("NIK"),
        max_length=25,
        help_text=_("16 digits, from the KTP or the family card (KK)."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    name = _model_field("name")
    birth_place = _model_field("birth_place")
    birth_date = BirthDateField(label=_("date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("sex"), choices=Sex.choices, widget=forms.RadioSelect)
    address = _model_field("address")
    village = VillageChoiceField(label=_("village"), queryset=Region.objects.none(), to_field_name="code")
    phone = forms.CharField(label=_("phone"), max_length=25, required=False, help_text=_("For example 0812-3456-7890."))
    occupation = OccupationField(
        label=_("occupation"), help_text=_("A category, or the occupation itself: marbot, guru ngaji, petani sawit…")
    )
    declared_income = RupiahField(label=_("declared monthly income (Rp)"), initial=1_000_000, min_value=1)
    kk_number = forms.CharField(label=_("family card (KK) number"), max_length=25, required=False)
    mother_maiden_name = _model_field("mother_maiden_name", required=False)
    confirm_likely_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person, register anyway."), required=False
    )
    privacy_notice = PrivacyNoticeField(
        label=_("privacy notice"),
        error_messages={"required": _("Tick the box once the person was given the privacy notice.")},
    )

    def __init__(self, *args: Any, user: User | AnonymousUser, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["nik"]
            del self.fields["confirm_likely_duplicate"]
            del self.fields["privacy_notice"]
        else:
            self._offer_notice(timezone.localdate())
        village = self.fields["village"]
        assert isinstance(village, forms.ModelChoiceField)
        village.queryset = villages_in_scope(user=user)
        scope = scope_of(user)
        if scope.everything or scope.code is None:
            # All of Indonesia's 83,762 villages do not fit in a select: type the village code instead.
            village.widget = forms.TextInput(attrs={"placeholder": "61.01.01.2001"})
        elif not self.is_bound and "village" not in self.initial:
            # An operator of one village starts with it chosen.
            only = list(village.queryset[:2])
            if len(only) == 1:
                self.initial["village"] = only[0]

    def _offer_notice(self, today: dt.date) -> None:
        """The tick box names the version in force today, and posts it."""
        field = self.fields["privacy_notice"]
        notice = self.notice = notice_in_force(on=today)
        if notice is None:
            field.label = notice_problem(on=today)
            field.disabled = True
            return
        field.label = _(
            "The person was given the privacy notice, version %(version)d (in force since %(date)s): on paper, or "
            "read aloud."
        ) % {"version": notice.version, "date": date_format(notice.effective_from, "DATE_FORMAT")}
        assert isinstance(field.widget, NoticeCheckbox)
        field.widget.version = str(notice.version)

    def clean_nik(self) -> str:
        info = parse_nik(self.cleaned_data["nik"])
        if not info.valid or info.nik is None:
            raise ValidationError([issue.message for issue in info.errors])
        return info.nik

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Checked here too (the service is the authority) so that these errors show with the others at once.
        if data.get("nik"):
            info = parse_nik(data["nik"])
            for field, problem in identity_mismatches(
                info, birth_date=data.get("birth_date"), sex=data.get("sex")
            ).items():
                self.add_error(field, problem)
        return data

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])

    def clean_kk_number(self) -> str:
        value = kk_normalise(self.cleaned_data["kk_number"])
        if problem := kk_problem(value):
            raise ValidationError(problem)
        return value


class HeirForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=150)
    # A blank first choice: an untouched extra row must look unchanged, or the formset would validate it.
    relation = forms.ChoiceField(label=_("relation"), choices=[("", "—"), *HeirRelation.choices])
    nik = forms.CharField(label=_("NIK"), max_length=25, required=False)
    phone = forms.CharField(label=_("phone"), max_length=25, required=False)
    share = forms.IntegerField(label=_("share (%)"), min_value=1, max_value=100, required=False)

    def clean_nik(self) -> str:
        value = self.cleaned_data["nik"]
        if not value.strip():
            return ""
        info = parse_nik(value)
        if not info.valid or info.nik is None:
            raise ValidationError([issue.message for issue in info.errors])
        return info.nik

    def clean_phone(self) -> str:
        return phone_normalise(self.cleaned_data["phone"])


# ``absolute_max``: a form claiming more rows (heirs-TOTAL_FORMS=1000000) gets 20 built and an error, not a thousand.
HeirFormSet = forms.formset_factory(HeirForm, extra=2, can_delete=True, max_num=20, validate_max=True, absolute_max=20)


def heir_rows(formset: forms.BaseFormSet) -> list[dict[str, str]]:
    """The heirs kept: filled-in forms not ticked for removal."""
    return [
        {k: v for k, v in form.cleaned_data.items() if k != "DELETE"}
        for form in formset.forms
        if form.cleaned_data and not form.cleaned_data.get("DELETE")
    ]


class WorkerFilterForm(forms.Form):
    """The list's search, the registry's own filters and the sort; invalid values are ignored, not errors.
    (The list page adds the enrolment filters: ``lindung.enrolments.forms.WorkerListForm``.)"""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    regency = forms.ChoiceField(label=_("regency/city"), required=False)
    category = forms.ChoiceField(label=_("occupation category"), required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name A–Z")),
            ("-name", _("Name Z–A")),
            ("-registered", _("Newest first")),
            ("registered", _("Oldest first")),
        ],
    )

    def __init__(self, *args: Any, user: User | AnonymousUser, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everyone = ("", _("All"))
        self.fields["regency"].choices = [everyone] + [  # type: ignore[attr-defined]
            (r.code, r.name) for r in regions_in_scope(user=user, level=Region.Level.REGENCY)
        ]
        self.fields["category"].choices = [everyone] + [  # type: ignore[attr-defined]
            (c.code, c.name) for c in OccupationCategory.objects.all()
        ]

    def clean_q(self) -> str:
        q: str = self.cleaned_data.get("q") or ""
        if is_name_query_too_short(q):
            raise ValidationError(
                _("Type at least %(n)d letters of a name, the last 6 digits of the NIK or the whole 16-digit NIK."),
                code="too_short",
                params={"n": MIN_NAME_QUERY},
            )
        return q

    def search(self) -> tuple[str, WorkerFilters, str]:
        """(q, filters, sort) from the valid fields; an invalid value (a stale link) is dropped, not an error."""
        self.is_valid()
        data = self.cleaned_data
        filters = self.filters(data)
        sort = data.get("sort") or "name"
        # A too-short name stays the query (and so matches nothing) while its error is shown; any other error
        # (a NUL, too long) leaves no query.
        q = str(self.data.get("q") or "") if self.has_error("q", "too_short") else data.get("q") or ""
        return q, filters, sort if sort in SORTS else "name"

    def filters(self, data: dict[str, Any]) -> WorkerFilters:
        """The filters of the valid fields."""
        return WorkerFilters(regency=data.get("regency") or "", category=data.get("category") or "")
