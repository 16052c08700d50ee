"""Shared admin behaviour: reference data is read-only there, and admin edits are audited like any write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.forms import ModelForm
from django.http import HttpRequest

from lindung.audit.services import audit_record


class AuditedAdminMixin(admin.ModelAdmin):
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


class ReadOnlyAdminMixin(admin.ModelAdmin):
    """For data that changes only through its loader or its service (regions, rules, the audit log)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
