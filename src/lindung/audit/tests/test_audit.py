from __future__ import annotations

import pytest
from django.db.models import ProtectedError

from lindung.accounts.models import User
from lindung.audit.models import AuditEntry, AuditLogIsAppendOnly
from lindung.audit.services import audit_changes, audit_record
from lindung.regions.models import Region

pytestmark = pytest.mark.django_db


def test_an_entry_records_who_did_what_to_which_object():
    alice = User.objects.create_user("alice", role="verifikator", region_id="61")
    region = Region.objects.get(code="61.01")
    entry = audit_record(actor=alice, action="region.viewed", obj=region, region_code="61.01", changes={"a": [1, 2]})
    entry.refresh_from_db()
    assert (entry.actor_username, entry.action, entry.object_type, entry.object_id) == (
        "alice",
        "region.viewed",
        "regions.region",
        "61.01",
    )
    assert entry.changes == {"a": [1, 2]}


def test_an_entry_cannot_be_changed_or_deleted():
    entry = audit_record(actor=None, action="demo.loaded")
    entry.note = "rewritten"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).note == ""


def test_an_account_with_entries_cannot_be_deleted_and_its_entries_keep_its_name():
    """The actor has no database key (decision 0010): Django's PROTECT is what keeps an actor's entries
    pointing at an account, and the username is kept beside the id whatever happens."""
    alice = User.objects.create_user("alice", role="verifikator", region_id="61")
    entry = audit_record(actor=alice, action="demo.loaded")
    with pytest.raises(ProtectedError):
        alice.delete()
    assert User.objects.filter(pk=alice.pk).exists()
    bob = User.objects.create_user("bob", role="verifikator", region_id="61")
    bob.delete()  # no entries: nothing protects it
    entry.refresh_from_db()
    assert (entry.actor_id, entry.actor_username) == (alice.pk, "alice")


def test_changes_list_only_the_fields_that_differ():
    assert audit_changes({"name": "A", "phone": "1"}, {"name": "B", "phone": "1"}) == {"name": ["A", "B"]}
