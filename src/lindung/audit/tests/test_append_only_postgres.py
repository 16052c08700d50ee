"""On PostgreSQL the database refuses to change or delete an audit entry, whatever the application does."""

from __future__ import annotations

import importlib

import pytest
from django.db import DatabaseError, connection, transaction

from lindung.audit.models import AuditEntry
from lindung.audit.services import audit_record

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL only"),
]


def _raw(sql: str, *params: str | int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_a_raw_update_is_refused():
    entry = audit_record(actor=None, action="test.kept", note="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("UPDATE audit_auditentry SET note = %s WHERE id = %s", "rewritten", entry.pk)
    assert AuditEntry.objects.get(pk=entry.pk).note == "original"


def test_a_raw_delete_is_refused():
    entry = audit_record(actor=None, action="test.kept")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        _raw("DELETE FROM audit_auditentry WHERE id = %s", entry.pk)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused_too():
    audit_record(actor=None, action="test.kept")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.update(note="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.filter(note="").count() == 1


def test_truncate_still_works_so_test_flushes_are_not_blocked():
    audit_record(actor=None, action="test.flushed")
    with transaction.atomic():  # rolled back with the test
        # The insert left its deferred foreign-key check pending, which TRUNCATE would refuse to skip.
        _raw("SET CONSTRAINTS ALL IMMEDIATE")
        _raw("TRUNCATE audit_auditentry")
        assert not AuditEntry.objects.exists()


def test_the_migration_removes_the_guard_when_reversed_and_puts_it_back():
    guard = importlib.import_module("lindung.audit.migrations.0002_append_only_trigger")
    entry = audit_record(actor=None, action="test.kept", note="original")
    with transaction.atomic():  # the DDL is rolled back with the test
        with connection.schema_editor() as editor:
            guard.drop_guard(None, editor)
        _raw("UPDATE audit_auditentry SET note = %s WHERE id = %s", "rewritten", entry.pk)
        with connection.schema_editor() as editor:
            guard.create_guard(None, editor)
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            _raw("UPDATE audit_auditentry SET note = %s WHERE id = %s", "again", entry.pk)
