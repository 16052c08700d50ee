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
