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
    CLAIM_VIEW = "claim.view"
    CLAIM_REGISTER = "claim.register"  # record an accident or a death, tick documents, add heirs
    CLAIM_PROCESS = "claim.process"  # documents complete → submitted to BPJS
    CLAIM_SETTLE = "claim.settle"  # record BPJS's decision: paid (amount, date) or rejected
    DASHBOARD_VIEW = "dashboard.view"
    AUDIT_VIEW = "audit.view"
    ACCOUNT_UNLOCK = "account.unlock"  # lift a login lock (too many failed logins)
    ACCOUNT_RESET_2FA = "account.reset_2fa"  # turn off someone's two-factor login (a lost phone and codes)
    ACCOUNT_MANAGE = "account.manage"  # create users, change their role and region, deactivate, reset passwords
    # A civil registry's signed death notification (a connected system only: ``ApiScope.DEATHS_NOTIFY``); the
    # notice goes to a review queue that people decide (``lindung.civil_registry``).
    DEATH_NOTIFY = "death.notify"
    # The personal-data duties of UU 27/2022: retention runs and their report, legal holds (audited).
    PDP_MANAGE = "pdp.manage"


_OPERATOR = {
    Action.WORKER_VIEW,
    Action.WORKER_REGISTER,
    Action.WORKER_EDIT,
    Action.WORKER_VIEW_NIK,
    Action.WORKER_EXPORT,
    Action.ENROLMENT_PROPOSE,
    Action.ENROLMENT_END,
    Action.CLAIM_VIEW,
    Action.CLAIM_REGISTER,
    Action.DASHBOARD_VIEW,
}

ROLE_ACTIONS: dict[str, frozenset[Action]] = {
    # Everything a person can do: notifying a death is a connected civil registry's act, never a person's.
    Role.ADMIN_PROVINSI: frozenset(set(Action) - {Action.DEATH_NOTIFY}),
    Role.VERIFIKATOR: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.WORKER_EXPORT,
            Action.ENROLMENT_VERIFY,
            Action.ENROLMENT_SEND,
            Action.ENROLMENT_END,
            Action.CLAIM_VIEW,
            Action.CLAIM_PROCESS,
            Action.DASHBOARD_VIEW,
        }
    ),
    # The regency office follows its claims with BPJS from report to payment.
    Role.OPERATOR_KABUPATEN: frozenset(_OPERATOR | {Action.CLAIM_PROCESS, Action.CLAIM_SETTLE}),
    Role.OPERATOR_DESA: frozenset(_OPERATOR - {Action.WORKER_EXPORT}),
    Role.PETUGAS_BPJS: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.ENROLMENT_SEND,
            Action.ENROLMENT_ACTIVATE,
            Action.CLAIM_VIEW,
            Action.CLAIM_SETTLE,
            Action.DASHBOARD_VIEW,
        }
    ),
    Role.KEUANGAN: frozenset({Action.WORKER_VIEW, Action.FINANCE_MANAGE, Action.CLAIM_VIEW, Action.DASHBOARD_VIEW}),
    # Leadership reads figures; it never needs a whole NIK.
    Role.PIMPINAN: frozenset({Action.WORKER_VIEW, Action.CLAIM_VIEW, Action.DASHBOARD_VIEW}),
    # The data protection officer reads the registry (a whole NIK audited, as everyone's) and the audit log, and
    # runs the personal-data duties; it changes no worker, enrolment, money or claim through the registry's steps.
    Role.PEJABAT_PELINDUNGAN_DATA: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.CLAIM_VIEW,
            Action.DASHBOARD_VIEW,
            Action.AUDIT_VIEW,
            Action.PDP_MANAGE,
        }
    ),
}


class ApiScope(StrEnum):
    """What a connected system (or a personal token) may do through the API: each scope grants actions."""

    REGISTRY_READ = "registry.read"
    PROPOSE = "propose"
    VERIFY = "verify"
    BPJS_EXCHANGE = "bpjs.exchange"
    FINANCE = "finance"
    CLAIMS = "claims"
    FIGURES = "figures"
    # A civil registry's signed death notifications (DCI CRVS ``notify``), which go to a review queue.
    DEATHS_NOTIFY = "deaths.notify"


SCOPE_ACTIONS: dict[str, frozenset[Action]] = {
    ApiScope.REGISTRY_READ: frozenset({Action.WORKER_VIEW, Action.WORKER_VIEW_NIK, Action.CLAIM_VIEW}),
    ApiScope.PROPOSE: frozenset(
        {
            Action.WORKER_VIEW,
            Action.WORKER_VIEW_NIK,
            Action.WORKER_REGISTER,
            Action.WORKER_EDIT,
            Action.ENROLMENT_PROPOSE,
            Action.ENROLMENT_END,
        }
    ),
    ApiScope.VERIFY: frozenset({Action.WORKER_VIEW, Action.ENROLMENT_VERIFY, Action.ENROLMENT_END}),
    ApiScope.BPJS_EXCHANGE: frozenset({Action.WORKER_VIEW, Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE}),
    ApiScope.FINANCE: frozenset({Action.WORKER_VIEW, Action.FINANCE_MANAGE}),
    # A death claim ends the worker's enrolments (``claims.services``), so the claims desk may end them.
    ApiScope.CLAIMS: frozenset(
        {
            Action.WORKER_VIEW,
            Action.CLAIM_VIEW,
            Action.CLAIM_REGISTER,
            Action.CLAIM_PROCESS,
            Action.CLAIM_SETTLE,
            Action.ENROLMENT_END,
        }
    ),
    ApiScope.FIGURES: frozenset({Action.DASHBOARD_VIEW}),
    ApiScope.DEATHS_NOTIFY: frozenset({Action.DEATH_NOTIFY}),
}


def scope_actions(scopes: object) -> frozenset[Action]:
    """The actions a list of scope names grants; names that are not scopes grant nothing."""
    if not isinstance(scopes, list):
        return frozenset()
    return frozenset().union(*(SCOPE_ACTIONS.get(str(name), frozenset()) for name in scopes))


def user_can(user: User | AnonymousUser, action: Action) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    assert isinstance(user, User)
    # A request made with a token may do only what the token's scopes grant (``lindung.api.auth`` sets it).
    token_actions: frozenset[Action] | None = getattr(user, "token_actions", None)
    if token_actions is not None and action not in token_actions:
        return False
    if user.is_superuser:
        return True
    if user.role == Role.SISTEM:
        return action in _client_actions(user)
    return action in ROLE_ACTIONS.get(user.role, frozenset())


def _client_actions(user: User) -> frozenset[Action]:
    """A connected system's actions: its client's scopes, none once the client is revoked."""
    client = getattr(user, "api_client", None)  # RelatedObjectDoesNotExist is an AttributeError
    if client is None or client.revoked_at is not None:
        return frozenset()
    return scope_actions(client.scopes)


def require(user: User | AnonymousUser, action: Action) -> None:
    if not user_can(user, action):
        raise PermissionDenied(action.value)


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that ``login_required`` let through."""
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    return request.user
