from __future__ import annotations

from django.http import HttpRequest

from lindung.accounts.permissions import Action, user_can


def user_actions(request: HttpRequest) -> dict[str, frozenset[str]]:
    """The actions the signed-in user may take, for menus: ``{% if "worker.view" in user_actions %}``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_actions": frozenset()}
    return {"user_actions": frozenset(a.value for a in Action if user_can(user, a))}
