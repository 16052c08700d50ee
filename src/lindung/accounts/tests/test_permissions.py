"""The role table, tested against the rules of issue 3 rather than restated row by row."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied

from lindung.accounts.models import PERSON_ROLES, User
from lindung.accounts.permissions import Action, require, user_can
from lindung.testing import make_user

pytestmark = pytest.mark.django_db


# Everything that changes data or spends money; the rest only reads.
WRITES = {
    Action.WORKER_REGISTER,
    Action.WORKER_EDIT,
    Action.ENROLMENT_PROPOSE,
    Action.ENROLMENT_VERIFY,
    Action.ENROLMENT_SEND,
    Action.ENROLMENT_ACTIVATE,
    Action.ENROLMENT_END,
    Action.PROGRAMME_CONFIGURE,
    Action.FINANCE_MANAGE,
}
OPERATORS = ["operator_sambas", "operator_pontianak", "operator_desa"]


def _roles_that_can(cast: dict[str, User], action: Action) -> set[str]:
    return {name for name, user in cast.items() if user_can(user, action)}


def test_leadership_is_read_only_and_never_sees_a_whole_nik(cast):
    pimpinan = cast["pimpinan"]
    assert not any(user_can(pimpinan, action) for action in WRITES)
    assert not user_can(pimpinan, Action.WORKER_VIEW_NIK)
    assert not user_can(pimpinan, Action.WORKER_EXPORT)
    assert user_can(pimpinan, Action.DASHBOARD_VIEW)


def test_only_operators_register_and_propose_besides_the_administrator(cast):
    expected = {*OPERATORS, "admin_provinsi"}
    assert _roles_that_can(cast, Action.WORKER_REGISTER) == expected
    assert _roles_that_can(cast, Action.ENROLMENT_PROPOSE) == expected


def test_operators_cannot_verify_send_or_activate_what_they_propose(cast):
    for name in OPERATORS:
        for action in (Action.ENROLMENT_VERIFY, Action.ENROLMENT_SEND, Action.ENROLMENT_ACTIVATE):
            assert not user_can(cast[name], action), (name, action)


def test_no_role_but_the_administrator_both_proposes_and_verifies(cast):
    # The cast covers every person's role (a connected system's account acts by its client's scopes).
    assert {user.role for user in cast.values()} == set(dict(PERSON_ROLES))
    both = _roles_that_can(cast, Action.ENROLMENT_PROPOSE) & _roles_that_can(cast, Action.ENROLMENT_VERIFY)
    assert both == {"admin_provinsi"}


def test_the_verifier_verifies(cast):
    assert _roles_that_can(cast, Action.ENROLMENT_VERIFY) == {"verifikator", "admin_provinsi"}


def test_only_the_bpjs_officer_records_membership_numbers_besides_the_administrator(cast):
    assert _roles_that_can(cast, Action.ENROLMENT_ACTIVATE) == {"petugas_bpjs", "admin_provinsi"}


def test_only_finance_manages_money_besides_the_administrator(cast):
    assert _roles_that_can(cast, Action.FINANCE_MANAGE) == {"keuangan", "admin_provinsi"}


def test_only_the_administrator_configures_programmes_and_reads_the_audit_log_besides_the_officer(cast):
    assert _roles_that_can(cast, Action.PROGRAMME_CONFIGURE) == {"admin_provinsi"}
    # The data protection officer reads the log for the person's access requests (UU 27/2022).
    assert _roles_that_can(cast, Action.AUDIT_VIEW) == {"admin_provinsi", "pejabat_pdp"}


def test_only_the_officer_runs_the_personal_data_duties_besides_the_administrator(cast):
    assert _roles_that_can(cast, Action.PDP_MANAGE) == {"pejabat_pdp", "admin_provinsi"}
    assert not any(user_can(cast["pejabat_pdp"], action) for action in WRITES)


def test_a_village_operator_cannot_export(cast):
    assert not user_can(cast["operator_desa"], Action.WORKER_EXPORT)
    assert user_can(cast["operator_sambas"], Action.WORKER_EXPORT)


def test_finance_sees_workers_but_not_whole_niks(cast):
    assert user_can(cast["keuangan"], Action.WORKER_VIEW)
    assert not user_can(cast["keuangan"], Action.WORKER_VIEW_NIK)


def test_every_role_can_see_the_worker_list(cast):
    assert _roles_that_can(cast, Action.WORKER_VIEW) == set(cast)


def test_anonymous_inactive_and_roleless_users_can_do_nothing(cast):
    inactive = cast["admin_provinsi"]
    inactive.is_active = False
    for user in (AnonymousUser(), inactive, make_user("tanpa_peran")):
        assert not any(user_can(user, action) for action in Action)


def test_a_superuser_can_do_everything():
    root = User.objects.create_superuser("root", password="x-root-password-1")
    assert all(user_can(root, action) for action in Action)


def test_require_raises_permission_denied_for_a_missing_action(cast):
    require(cast["verifikator"], Action.ENROLMENT_VERIFY)
    with pytest.raises(PermissionDenied):
        require(cast["operator_sambas"], Action.ENROLMENT_VERIFY)
