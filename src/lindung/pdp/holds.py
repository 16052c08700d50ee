"""Reading the legal holds and finding a worker to hold, within the officer's region (the writes are
``services.legal_hold_set`` and ``legal_hold_lift``)."""

from __future__ import annotations

import re

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from lindung.accounts.models import User
from lindung.accounts.permissions import Action, require
from lindung.accounts.scope import scope_queryset
from lindung.pdp.models import LegalHold
from lindung.workers.models import Worker

_SEPARATORS = re.compile(r"[\s.\-]")
REASON_MAX = 1000


def open_legal_holds(user: User) -> QuerySet[LegalHold]:
    """The holds not lifted on workers in ``user``'s region, newest first."""
    require(user, Action.PDP_MANAGE)
    workers = scope_queryset(Worker.objects.all(), user)
    return (
        LegalHold.objects.filter(lifted_at__isnull=True, worker__in=workers)
        .select_related("worker", "set_by")
        .order_by("-set_at", "-pk")
    )


def open_legal_hold(user: User, pk: int) -> LegalHold | None:
    """The open hold ``pk`` in ``user``'s region, or None (outside the region, lifted or unknown alike)."""
    return open_legal_holds(user).filter(pk=pk).first()


def worker_by_nik(user: User, nik: str) -> Worker | None:
    """The worker of ``nik`` in ``user``'s region, or None (unknown and out of region answer alike)."""
    require(user, Action.PDP_MANAGE)
    return scope_queryset(Worker.objects.filter(nik=nik), user).first()


def clean_nik(value: str) -> str | None:
    """``value`` as 16 digits (spaces, dots and dashes dropped), or None."""
    nik = _SEPARATORS.sub("", value)
    return nik if re.fullmatch(r"[0-9]{16}", nik) else None


class BlankTextInput(forms.TextInput):
    """A text box that never shows what was typed: a page answering the form must not carry the NIK back."""

    def format_value(self, value: object) -> str | None:
        return None


class LegalHoldSetForm(forms.Form):
    nik = forms.CharField(
        label=_("NIK of the worker"),
        max_length=40,
        widget=BlankTextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9 .\\-]*", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter the worker's NIK.")},
    )
    reason = forms.CharField(
        label=_("Reason: the dispute or the request"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the records are held: the dispute or the request.")},
    )

    def clean_nik(self) -> str:
        nik = clean_nik(self.cleaned_data["nik"])
        if nik is None:
            raise forms.ValidationError(_("A NIK has exactly 16 digits."), code="nik_format")
        return nik


class LegalHoldLiftForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the hold ends"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the hold ends.")},
    )
