"""Shared admin behaviour: reference data is read-only there, admin edits are audited like any write, and the
keys and parameters the admin reads are checked like everywhere else (``lindung.inputs``)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, SOURCE_MODEL_VAR, BaseModelAdmin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from lindung.audit.services import audit_record
from lindung.inputs import KeyChoiceField, KeysChoiceField, key_fits

_DATE_PART = re.compile(r"[0-9]{1,4}")
_MODEL_LABEL = re.compile(r"\w+\.\w+")


class CheckedRawIdWidget(ForeignKeyRawIdWidget):
    """The raw-id box, which looks its value up again to label it: not a value no key can be."""

    def label_and_url_for_value(self, value: Any) -> tuple[str, str]:
        if not key_fits(self.rel.model, self.rel.get_related_field().name, value):
            return "", ""
        return super().label_and_url_for_value(value)


class CheckedKeysMixin(BaseModelAdmin):
    """Related rows are chosen by key: one no column can hold (beyond a bigint, a NUL) is an invalid choice, not
    a database error, on the admin's pages and on their inlines."""

    formfield_overrides = {
        models.ForeignKey: {"form_class": KeyChoiceField},
        models.OneToOneField: {"form_class": KeyChoiceField},
        models.ManyToManyField: {"form_class": KeysChoiceField},
    }

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.raw_id_fields and "widget" not in kwargs:
            kwargs["widget"] = CheckedRawIdWidget(db_field.remote_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CheckedInputAdminMixin(CheckedKeysMixin, admin.ModelAdmin):
    """What Django's admin reads unchecked: related keys (``CheckedKeysMixin``), the list's search and filters
    (PostgreSQL refuses a NUL in them with an error), the date hierarchy's year, month and day (``int()`` of 2**63
    overflows a C long), and a popup's ``_source_model`` (split at a dot that may be missing). A search, filter
    or date part no row can match is answered as Django answers any filter it cannot use (``?e=1``); a
    malformed source model is left out, as if the popup had not named one."""

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        parts = [f"{self.date_hierarchy}__{part}" for part in ("year", "month", "day")] if self.date_hierarchy else []
        unusable = any("\x00" in value for values in request.GET.lists() for value in values[1]) or any(
            not _DATE_PART.fullmatch(value) for part in parts for value in request.GET.getlist(part)
        )
        if unusable:
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return super().changelist_view(request, extra_context)

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        source = request.POST.get(SOURCE_MODEL_VAR)
        if IS_POPUP_VAR in request.POST and source is not None and not _MODEL_LABEL.fullmatch(source):
            post = request.POST.copy()
            post.pop(SOURCE_MODEL_VAR)
            request.POST = post  # type: ignore[assignment]
        return super().response_add(request, obj, post_url_continue)


class AuditedAdminMixin(CheckedInputAdminMixin):
    def save_model(self, request: HttpRequest, obj: models.Model, form: ModelForm, change: bool) -> None:
        changes = {name: [form.initial.get(name), form.cleaned_data.get(name)] for name in form.changed_data}
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            audit_record(
                actor=request.user,  # type: ignore[arg-type]
                action=f"{obj._meta.model_name}.{'changed' if change else 'created'}",
                obj=obj,
                changes={k: [str(v[0]), str(v[1])] for k, v in changes.items()},
                note="admin",
            )

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            audit_record(actor=request.user, action=f"{obj._meta.model_name}.deleted", obj=obj, note="admin")  # type: ignore[arg-type]
            super().delete_model(request, obj)

    def get_actions(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        # Bulk delete would bypass delete_model and so the audit log.
        actions = super().get_actions(request, *args, **kwargs)
        actions.pop("delete_selected", None)
        return actions


class ReadOnlyAdminMixin(CheckedInputAdminMixin):
    """For data that changes only through its loader or its service (regions, rules, the audit log)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
