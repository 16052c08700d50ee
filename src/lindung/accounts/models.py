from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """What a user does in the programme; what each role may do is enforced by the services."""

    ADMIN_PROVINSI = "admin_provinsi", _("Provincial administrator")
    VERIFIKATOR = "verifikator", _("Verifier")
    OPERATOR_KABUPATEN = "operator_kabupaten", _("Regency/city operator")
    OPERATOR_DESA = "operator_desa", _("Village operator")
    PETUGAS_BPJS = "petugas_bpjs", _("BPJS officer")
    KEUANGAN = "keuangan", _("Finance officer")
    PIMPINAN = "pimpinan", _("Leadership (read-only)")
    # UU 27/2022 (PDP): reads the registry province-wide and runs the personal-data duties (retention, holds).
    PEJABAT_PELINDUNGAN_DATA = "pejabat_pelindungan_data", _("Data protection officer")
    # The account a connected system acts as (``ApiClient.user``): what it may do follows its client's scopes
    # (``permissions.SCOPE_ACTIONS``), never a person's role; it has no password and cannot sign in.
    SISTEM = "sistem", _("Connected system")


# The roles a person can be given; ``SISTEM`` is given only with an API client.
PERSON_ROLES = [(value, label) for value, label in Role.choices if value != Role.SISTEM]


class User(AbstractUser):
    """A person who signs in. ``region`` bounds everything they may see: a province, regency or village."""

    role = models.CharField(_("role"), max_length=24, choices=Role.choices, blank=True)
    region = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    # Set by an administrator (``user_password_reset``, ``user_create``): the user must choose their own before
    # any other page (``accounts.middleware.two_factor``); ``account_password_change`` clears it.
    password_temporary = models.BooleanField(_("temporary password"), default=False)

    def set_password(self, raw_password: str | None) -> None:
        # Remember the hash being replaced, for the password history that
        # ``PasswordReuseValidator.password_changed`` writes once the new one is saved. Only the first change
        # since the last save replaces what is stored.
        if getattr(self, "_password", None) is None:
            self._replaced_password = self.password
        super().set_password(raw_password)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A user with a role always has a region to scope their data by.
            models.CheckConstraint(condition=Q(role="") | Q(region__isnull=False), name="user_role_needs_region"),
        ]


class FailedLogin(models.Model):
    """One wrong password (or unknown username), kept for a day so that logins can be throttled.

    ``username`` is stored case-folded, so that "Budi" and "budi" count against the same limit; ``ip`` is
    the address the throttle counts by, an IPv6 address as its /64 network (one subscriber's).
    """

    username = models.CharField(_("username"), max_length=150)
    ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [
            models.Index(fields=["username", "at"], name="failedlogin_username_at"),
            models.Index(fields=["ip", "at"], name="failedlogin_ip_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username}"


class LoginLock(models.Model):
    """Logins for this username are refused, whatever the password, until an administrator unlocks them.

    Keyed by the case-folded username typed, not by the account, so that a username that does not exist
    locks the same way and the lock tells nobody which usernames exist.
    """

    username = models.CharField(_("username"), max_length=150, unique=True)
    locked_at = models.DateTimeField(_("locked at"))

    class Meta:
        verbose_name = _("login lock")
        verbose_name_plural = _("login locks")

    def __str__(self) -> str:
        return f"{self.locked_at:%Y-%m-%d %H:%M} {self.username}"


class PreviousPassword(models.Model):
    """The hash of a password an account had before, so that it is not chosen again; never the password."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+", verbose_name=_("user"))
    password = models.CharField(_("password hash"), max_length=128)
    replaced_at = models.DateTimeField(_("replaced at"))

    class Meta:
        verbose_name = _("previous password")
        verbose_name_plural = _("previous passwords")
        indexes = [models.Index(fields=["user", "replaced_at"], name="previouspassword_user_at")]

    def __str__(self) -> str:
        return f"{self.replaced_at:%Y-%m-%d %H:%M} {self.user_id}"


class ApiClient(models.Model):
    """A system that calls the API with OAuth2 client credentials (issue 18).

    It acts as its own account (``user``, role ``sistem``), so the region scope and every service's checks
    apply to it as to a person: ``user.region`` is the client's region. The secret is shown once, when the
    client is registered; only its SHA-256 is kept (it is 256 random bits, so a slow hash adds nothing).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    client_id = models.CharField(_("client id"), max_length=64, unique=True)
    secret_sha256 = models.CharField(_("secret (SHA-256)"), max_length=64)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="api_client", verbose_name=_("account"))
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    # Ed25519 public keys (JWK) with which this client signs what it sends (DCI notifications).
    public_keys = models.JSONField(_("public keys"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")
        constraints = [
            models.CheckConstraint(condition=Q(rate_limit_per_minute__gte=1), name="apiclient_rate_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class ApiToken(models.Model):
    """A bearer token: issued to a client by ``POST /api/v1/oauth/token``, or made by a person on their profile.

    Only the token's SHA-256 is stored; ``prefix`` (its first characters) lets its owner recognise it.
    """

    class Kind(models.TextChoices):
        CLIENT = "client", _("Client access token")
        PERSONAL = "personal", _("Personal token")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    token_sha256 = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    prefix = models.CharField(_("starts with"), max_length=12)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("account"))
    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, null=True, blank=True, related_name="tokens", verbose_name=_("API client")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            # A client's token names its client; a personal token names none.
            models.CheckConstraint(
                condition=(Q(kind="client") & Q(client__isnull=False)) | (Q(kind="personal") & Q(client__isnull=True)),
                name="apitoken_kind_matches_client",
            ),
        ]
        indexes = [models.Index(fields=["user", "kind"], name="apitoken_user_kind")]

    def __str__(self) -> str:
        return f"{self.prefix}… {self.name}"
