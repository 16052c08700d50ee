"""What each role may do. Services call ``require`` before they write; templates ask ``user_can``.

Region scope (which rows) is decided apart, in ``lindung.accounts.scope``; this module decides
which actions, whatever the rows.
"""

from __future__ import annotations

from enum import StrEnum

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from lindung.accounts.models import Role, User


class Action(StrEnum):
    WORKER_VIEW = "worker.view"
    WORKER_REGISTER = "worker.register"
    WORKER_EDIT = "worker.edit"
    WORKER_VIEW_NIK = "worker.view_nik"  # the whole NIK and birth date, audited
    WORKER_EXPORT = "worker.export"
    ENROLMENT_PROPOSE = "enrolment.propose"
    ENROLMENT_VERIFY = "enrolment.verify"  # verify or reject
    ENROLMENT_SEND = "enrolment.send"  # put verified enrolments in a batch for BPJS
    ENROLMENT_ACTIVATE = "enrolment.activate"  # record the KPJ and BPJS's decision
    ENROLMENT_END = "enrolment.end"
    PROGRAMME_CONFIGURE = "programme.configure"
    FINANCE_MANAGE = "finance.manage"
    DASHBOARD_VIEW = "dashboard.view"
    AUDIT_VIEW = "audit.view"


_OPERATOR = {
    Action.WORKER_VIEW,
    Action.WORKER_REGISTER,
    Action.WORKER_EDIT,
    Action.WORKER_VIEW_NIK,
    Action.WORKER_EXPORT,
    Action.ENROLMENT_PROPOSE,
    Action.ENROLMENT_END,
    Action.DASHBOARD_VIEW,
}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    Role.ADMIN_PROVINSI: frozenset(Action),
    Role.VERIFIKATOR: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.WORKER_EXPORT,
            Action.ENROLMENT_VERIFY,
            Action.ENROLMENT_SEND,
            Action.ENROLMENT_END,
            Action.DASHBOARD_VIEW,
        }
    ),
    Role.OPERATOR_KABUPATEN: frozenset(_OPERATOR),
    Role.OPERATOR_DESA: frozenset(_OPERATOR - {Action.WORKER_EXPORT}),
    Role.PETUGAS_BPJS: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.ENROLMENT_SEND,
            Action.ENROLMENT_ACTIVATE,
            Action.DASHBOARD_VIEW,
        }
    ),
    Role.KEUANGAN: frozenset({Action.WORKER_VIEW, Action.FINANCE_MANAGE, Action.DASHBOARD_VIEW}),
    # Leadership reads figures; it never needs a whole NIK.
    Role.PIMPINAN: frozenset({Action.WORKER_VIEW, Action.DASHBOARD_VIEW}),
}


def user_can(user: User | AnonymousUser, action: Action) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    assert isinstance(user, User)
    if user.is_superuser:
        return True
    return action in ROLE_ACTIONS.get(user.role, frozenset())


def require(user: User | AnonymousUser, action: Action) -> None:
    if not user_can(user, action):
        raise PermissionDenied(action.value)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that ``login_required`` let through."""
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    return request.user
