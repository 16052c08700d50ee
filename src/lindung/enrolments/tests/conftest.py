"""Helpers shared by the enrolment tests (the ``programme`` with quotas is in ``lindung/conftest.py``)."""

from __future__ import annotations

import pytest

from lindung.audit.models import AuditEntry
from lindung.enrolments.models import Enrolment
from lindung.enrolments.services import EnrolmentError


def audit_entry(enrolment: Enrolment, action: str) -> AuditEntry:
    """The one audit entry of ``action`` on ``enrolment``."""
    return AuditEntry.objects.get(object_type="enrolments.enrolment", object_id=str(enrolment.pk), action=action)


def error_text(excinfo: pytest.ExceptionInfo[EnrolmentError]) -> str:
    return excinfo.value.text
