"""Shared admin behaviour: reference data is read-only there, admin writes are audited like any write, and the
keys and parameters the admin reads are checked like everywhere else (``lindung.inputs``).

Django's admin calls ``log_addition``, ``log_change`` or ``log_deletions`` for every write it makes, on every
page (add, change with its inlines, the list's editable columns, delete, the user's password page), inside
the transaction of the write. The audit entry is written there, so that no page escapes it. The values
before and after are taken a step earlier, in ``construct_change_message``, the one place that sees the
form and the inline formsets once they are saved.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IS_POPUP_VAR, SOURCE_MODEL_VAR, BaseModelAdmin
from django.contrib.admin.views.main import ERROR_FLAG
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.db import models
from django.forms import BaseForm, BaseFormSet
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


@dataclass
class _Pending:
    """What ``construct_change_message`` saw, for the ``log_*`` call that follows it in the same request."""

    changes: dict[str, list[Any]] = field(default_factory=dict)
    # (object, "created" | "changed" | "deleted", changes) for each inline row written
    inlines: list[tuple[models.Model, str, dict[str, list[Any]]]] = field(default_factory=list)


# Kept on the request between the two calls: it is the one object both see, and it dies with the request.
_PENDING = "_lindung_admin_audit"


class AuditedAdminMixin(CheckedInputAdminMixin):
    def construct_change_message(
        self, request: HttpRequest, form: BaseForm, formsets: Iterable[BaseFormSet] | None, add: bool = False
    ) -> Any:
        setattr(request, _PENDING, _Pending(changes=_form_changes(form), inlines=_inline_writes(formsets or ())))
        return super().construct_change_message(request, form, formsets, add)  # type: ignore[arg-type]

    def log_addition(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_addition(request, obj, message)
        self._audit(request, obj, "created")
        return entry

    def log_change(self, request: HttpRequest, obj: models.Model, message: Any) -> Any:
        entry = super().log_change(request, obj, message)
        self._audit(request, obj, "changed")
        return entry

    def log_deletions(self, request: HttpRequest, queryset: Any) -> Any:
        # Called before the objects are deleted, in the delete page's transaction.
        for obj in queryset:
            self._audit(request, obj, "deleted")
        return super().log_deletions(request, queryset)

    def audit_action(self, obj: models.Model, verb: str, changes: dict[str, list[Any]]) -> str:
        """The audit action of an admin write: ``<model>.created``, ``.changed`` or ``.deleted``."""
        return f"{obj._meta.model_name}.{verb}"

    def get_actions(
        self, request: HttpRequest, action_location: admin.ActionLocation = admin.ActionLocation.CHANGE_LIST
    ) -> Any:
        # No bulk delete: records leave one at a time, through the page that lists what goes with them.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def _audit(self, request: HttpRequest, obj: models.Model, verb: str) -> None:
        pending: _Pending = request.__dict__.pop(_PENDING, None) or _Pending()
        actor: Any = request.user
        changes = pending.changes if verb != "deleted" else {}
        audit_record(
            actor=actor,
            action=self.audit_action(obj, verb, changes),
            obj=obj,
            region_code=_region_code(obj),
            changes=changes,
            note="admin",
        )
        for row, row_verb, row_changes in pending.inlines:
            audit_record(
                actor=actor,
                action=f"{row._meta.model_name}.{row_verb}",
                obj=row,
                region_code=_region_code(row) or _region_code(obj),
                changes=row_changes,
                note="admin",
            )


class ReadOnlyAdminMixin(CheckedInputAdminMixin):
    """For data that changes only through its loader or its service (regions, rules, the audit log)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _form_changes(form: BaseForm) -> dict[str, list[Any]]:
    """{field: [before, after]} for the fields the form changed; a password only as "***"."""
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        if "password" in name:  # password1, password2, usable_password: never the value, not even a hash
            changes["password"] = ["***", "***"]
            continue
        before = form.get_initial_for_field(form.fields[name], name) if name in form.fields else None
        changes[name] = [_plain(before), _plain(form.cleaned_data.get(name))]
    return changes


def _inline_writes(formsets: Iterable[BaseFormSet]) -> list[tuple[models.Model, str, dict[str, list[Any]]]]:
    """Each inline row a saved formset created, changed or deleted, with its changes."""
    writes: list[tuple[models.Model, str, dict[str, list[Any]]]] = []
    for formset in formsets:
        created = getattr(formset, "new_objects", [])
        changed = [obj for obj, _fields in getattr(formset, "changed_objects", [])]
        deleted = getattr(formset, "deleted_objects", [])
        for form in formset.forms:
            instance = getattr(form, "instance", None)
            if instance is None:
                continue
            if any(instance is obj for obj in deleted):
                writes.append((_with_deleted_pk(form, instance), "deleted", {}))
            elif any(instance is obj for obj in created):
                writes.append((instance, "created", _form_changes(form)))
            elif any(instance is obj for obj in changed):
                writes.append((instance, "changed", _form_changes(form)))
    return writes


def _with_deleted_pk(form: BaseForm, instance: models.Model) -> models.Model:
    """A copy of a deleted row with its primary key back (deleting cleared it), taken from the form's own field."""
    restored = copy.copy(instance)
    pk = instance._meta.pk
    assert pk is not None
    restored.pk = pk.to_python(form[pk.name].value())
    return restored


def _plain(value: Any) -> Any:
    """A form value as the audit log keeps it (JSON): a row by its key, a list sorted, a date as text."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.QuerySet | list | tuple | set):
        return sorted((_plain(v) for v in value), key=str)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)  # dates, times, decimals, files


def _region_code(obj: models.Model) -> str:
    """The region an admin write belongs to, so that a region's audit log shows it; "" when it has none."""
    for attname in ("region_id", "regency_id", "village_id"):
        value = getattr(obj, attname, None)
        if isinstance(value, str) and value:
            return value
    return ""
