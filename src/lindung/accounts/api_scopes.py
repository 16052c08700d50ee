"""What each API scope grants, in a sentence: for ``lindung api-client --help``, the API client form of
``/pengaturan/`` and the personal token form of the profile page. The actions themselves are
``permissions.SCOPE_ACTIONS``; these sentences only say them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from lindung.accounts.permissions import SCOPE_ACTIONS, ApiScope

_SENTENCES: dict[str, Promise] = {
    ApiScope.REGISTRY_READ: _("Read workers (the whole NIK, audited) and their claims."),
    ApiScope.PROPOSE: _("Register and correct workers, propose enrolments and end them."),
    ApiScope.VERIFY: _("Verify or reject proposed enrolments; end enrolments."),
    ApiScope.BPJS_EXCHANGE: _("Send verified enrolments to BPJS; record the KPJ and BPJS's answer."),
    ApiScope.FINANCE: _("Invoices and payments of the contributions."),
    ApiScope.CLAIMS: _("Register, process and settle JKK and JKM claims (a death ends the worker's enrolments)."),
    ApiScope.FIGURES: _("Read the dashboard figures."),
    ApiScope.DEATHS_NOTIFY: _("Send signed death notifications, which go to a review queue."),
}


def scope_sentence(scope: str) -> str:
    """What ``scope`` grants, in the active language (the scope's name for a scope without a sentence)."""
    sentence = _SENTENCES.get(scope)
    return str(sentence) if sentence is not None else scope


def scope_choices() -> list[tuple[str, str]]:
    """Every scope with what it grants, in ``ApiScope``'s order, for a form's checkboxes."""
    # The scope's name is a literal the API's callers use: shown as code, whatever the page's language.
    return [(scope.value, format_html("<code>{}</code>: {}", scope.value, scope_sentence(scope))) for scope in ApiScope]


def scope_actions_listed(scope: str) -> str:
    """The actions ``scope`` grants, by their names (``worker.view, ...``), in a stable order."""
    return ", ".join(sorted(action.value for action in SCOPE_ACTIONS.get(scope, frozenset())))
