"""Who may call the API (issue 18): API clients (OAuth2 client credentials) and personal tokens, each audited.

A client acts as its own account (role ``sistem``, the client's region), so that the region scope and the
services' role checks treat it exactly as a person; its scopes decide its actions
(``permissions.SCOPE_ACTIONS``). Secrets and tokens are 256 random bits shown once; only their SHA-256 is
kept, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from lindung.accounts.models import ApiClient, ApiToken, Role, User
from lindung.accounts.permissions import Action, ApiScope, require, scope_actions
from lindung.accounts.scope import scope_code_q, scope_of
from lindung.audit.services import audit_record
from lindung.errors import RefusedStep
from lindung.regions.models import Region

# A client's access token lives an hour (RFC 6749 ``expires_in``); it asks for a new one with its secret.
CLIENT_TOKEN_SECONDS = 3600
# A personal token lives at most this long; its owner picks a shorter life if they like.
PERSONAL_TOKEN_MAX_DAYS = 365
# ``last_used_at`` is written at most this often, not on every request.
LAST_USED_PRECISION = dt.timedelta(minutes=1)
TOKEN_PREFIX_LENGTH = 8


class ApiAccessError(RefusedStep):
    pass


def _sha256(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def scopes_checked(names: list[str]) -> list[str]:
    """The scope names in their canonical order, ``all`` standing for every scope; an unknown name is refused."""
    if "all" in names:
        return [scope.value for scope in ApiScope]
    unknown = sorted(set(names) - set(ApiScope))
    if unknown:
        raise ApiAccessError(
            _("Unknown scope: %(names)s. The scopes are: %(scopes)s.")
            % {"names": ", ".join(unknown), "scopes": ", ".join(ApiScope)},
            field="scopes",
        )
    if not names:
        raise ApiAccessError(_("Choose at least one scope."), field="scopes")
    return [scope.value for scope in ApiScope if scope.value in names]


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    raw: str  # shown once


def _require_client_admin(actor: User | None, region: Region) -> None:
    """``actor`` None is the server's own command line (``lindung api-client``), run by whoever runs the server."""
    if actor is None:
        return
    require(actor, Action.ACCOUNT_MANAGE)
    if not scope_of(actor).covers(region.code):
        raise PermissionDenied(Action.ACCOUNT_MANAGE.value)


def api_client_create(
    *,
    actor: User | None,
    name: str,
    region_code: str,
    scopes: list[str],
    rate_limit_per_minute: int = 600,
    public_keys: list[dict[str, str]] | None = None,
) -> tuple[ApiClient, str]:
    """Register a system; returns it and its secret, which is shown once. Audited, without the secret."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiAccessError(_("Give the client a name of at most 100 characters."), field="name")
    region = Region.objects.filter(code=region_code.strip()).first()
    if region is None:
        raise ApiAccessError(
            _("There is no region with the code %(code)s.") % {"code": region_code.strip()[:13]}, field="region"
        )
    if region.level > Region.Level.REGENCY:
        raise ApiAccessError(_("A client's region is a province or a regency/city."), field="region")
    _require_client_admin(actor, region)
    scope_names = scopes_checked(scopes)
    if not 1 <= rate_limit_per_minute <= 100_000:
        raise ApiAccessError(_("The limit is between 1 and 100,000 requests a minute."), field="rate_limit")
    client_id = secrets.token_urlsafe(16)
    while client_id.startswith("-"):  # a command line would read it as an option (lindung api-client revoke ID)
        client_id = secrets.token_urlsafe(16)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        if ApiClient.objects.filter(name__iexact=name).exists():
            raise ApiAccessError(_("There is already a client named %(name)s.") % {"name": name}, field="name")
        # The account's username is what the audit log shows as the actor: the client's name, readable.
        username = f"sistem.{slugify(name)[:60] or client_id.lower()[:20]}"
        if User.objects.filter(username__iexact=username).exists():
            username = f"{username[:120]}.{client_id.lower()[:12]}"
        user = User(username=username, first_name=name[:150], role=Role.SISTEM, region=region)
        user.set_unusable_password()
        user.save()
        client = ApiClient.objects.create(
            name=name,
            client_id=client_id,
            secret_sha256=_sha256(secret),
            user=user,
            scopes=scope_names,
            rate_limit_per_minute=rate_limit_per_minute,
            public_keys=public_keys or [],
        )
        audit_record(
            actor=actor,
            action="api_client.created",
            obj=client,
            region_code=region.code,
            changes={
                "name": [None, name],
                "scopes": [None, scope_names],
                "rate_limit_per_minute": [None, rate_limit_per_minute],
            },
        )
    return client, secret


def api_client_revoke(*, actor: User | None, client: ApiClient) -> bool:
    """The client and every token it holds stop working at once; its account is kept (the log names it)."""
    assert client.user.region is not None  # a client's account always has its region (api_client_create)
    _require_client_admin(actor, client.user.region)
    with transaction.atomic():
        client = ApiClient.objects.select_for_update().get(pk=client.pk)
        if client.revoked_at is not None:
            return False
        now = timezone.now()
        client.revoked_at = now
        client.save(update_fields=["revoked_at"])
        User.objects.filter(pk=client.user_id).update(is_active=False)
        ApiToken.objects.filter(client=client, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(
            actor=actor,
            action="api_client.revoked",
            obj=client,
            region_code=client.user.region_id or "",
            changes={"revoked_at": [None, now.isoformat()]},
        )
    return True


def api_clients_visible(actor: User | None) -> QuerySet[ApiClient]:
    """The clients ``actor`` administers (all of them for the command line), newest first."""
    clients = ApiClient.objects.select_related("user", "user__region").order_by("-created_at", "-id")
    if actor is None:
        return clients
    require(actor, Action.ACCOUNT_MANAGE)
    return clients.filter(scope_code_q(actor, "user__region__code"))


def _issue(
    *, user: User, kind: str, client: ApiClient | None, name: str, scopes: list[str], expires_at: dt.datetime | None
) -> IssuedToken:
    raw = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        kind=kind,
        token_sha256=_sha256(raw),
        prefix=raw[:TOKEN_PREFIX_LENGTH],
        user=user,
        client=client,
        name=name,
        scopes=scopes,
        expires_at=expires_at,
    )
    return IssuedToken(token=token, raw=raw)


def api_client_token_issue(*, client_id: str, client_secret: str) -> IssuedToken | None:
    """OAuth2 client credentials: a fresh access token, or None when the id or secret is wrong or revoked."""
    client = ApiClient.objects.select_related("user").filter(client_id=client_id).first()
    if client is None:
        _sha256(client_secret)  # the same work either way: the answer's time does not tell a known id
        return None
    if not hmac.compare_digest(client.secret_sha256, _sha256(client_secret)):
        return None
    if client.revoked_at is not None or not client.user.is_active:
        return None
    expires_at = timezone.now() + dt.timedelta(seconds=CLIENT_TOKEN_SECONDS)
    with transaction.atomic():
        issued = _issue(
            user=client.user,
            kind=ApiToken.Kind.CLIENT,
            client=client,
            name="",
            scopes=client.scopes,
            expires_at=expires_at,
        )
        # Expired tokens of this client are of no use to anyone: the table keeps only the living ones.
        ApiToken.objects.filter(client=client, expires_at__lt=timezone.now() - dt.timedelta(days=1)).delete()
    return issued


def personal_token_create(*, user: User, name: str, scopes: list[str], days: int) -> IssuedToken:
    """A token for the user's own scripts: it can do what the user can, narrowed to ``scopes``. Audited."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ApiAccessError(_("Give the token a name of at most 100 characters."), field="name")
    if not 1 <= days <= PERSONAL_TOKEN_MAX_DAYS:
        raise ApiAccessError(
            _("A token lives from 1 to %(days)d days.") % {"days": PERSONAL_TOKEN_MAX_DAYS}, field="days"
        )
    scope_names = scopes_checked(scopes)
    if not user.is_active or user.role == Role.SISTEM:
        raise PermissionDenied("token.create")
    with transaction.atomic():
        issued = _issue(
            user=user,
            kind=ApiToken.Kind.PERSONAL,
            client=None,
            name=name,
            scopes=scope_names,
            expires_at=timezone.now() + dt.timedelta(days=days),
        )
        audit_record(
            actor=user,
            action="api_token.created",
            obj=issued.token,
            region_code=user.region_id or "",
            changes={"name": [None, name], "scopes": [None, scope_names], "days": [None, days]},
        )
    return issued


def personal_token_revoke(*, user: User, token_id: int) -> bool:
    """The user's own token stops working; another user's token is not found (False), as is a revoked one."""
    with transaction.atomic():
        token = (
            ApiToken.objects.select_for_update()
            .filter(pk=token_id, user=user, kind=ApiToken.Kind.PERSONAL, revoked_at__isnull=True)
            .first()
        )
        if token is None:
            return False
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=user, action="api_token.revoked", obj=token, region_code=user.region_id or "")
    return True


def personal_tokens(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, kind=ApiToken.Kind.PERSONAL).order_by("-created_at", "-id")


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The living token ``raw`` is, with its user (``user.token_actions`` narrowed to its scopes), or None."""
    if not raw or len(raw) > 200:
        return None
    token = (
        ApiToken.objects.select_related("user", "user__region", "client", "user__api_client")
        .filter(token_sha256=_sha256(raw))
        .first()
    )
    now = timezone.now()
    if token is None or token.revoked_at is not None or (token.expires_at is not None and token.expires_at <= now):
        return None
    if not token.user.is_active or (token.client is not None and token.client.revoked_at is not None):
        return None
    token.user.token_actions = scope_actions(token.scopes)  # type: ignore[attr-defined]
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def api_token_principal(token: ApiToken) -> str:
    """What the audit log and the rate limit call the caller: ``client:ID`` or ``token:ID``."""
    return f"client:{token.client_id}" if token.client_id else f"token:{token.pk}"
