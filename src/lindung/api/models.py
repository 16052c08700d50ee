"""What the API keeps for its conventions: each caller's requests per minute, and the answers to POSTs sent
with an ``Idempotency-Key``."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RateWindow(models.Model):
    """How many requests one caller made in one minute; ``principal`` is ``client:ID`` or ``token:ID``."""

    principal = models.CharField(_("caller"), max_length=32)
    minute = models.DateTimeField(_("minute"))
    count = models.PositiveIntegerField(_("requests"), default=0)

    class Meta:
        verbose_name = _("API rate window")
        verbose_name_plural = _("API rate windows")
        constraints = [models.UniqueConstraint(fields=["principal", "minute"], name="ratewindow_principal_minute")]

    def __str__(self) -> str:
        return f"{self.principal} {self.minute:%Y-%m-%d %H:%M} {self.count}"


class IdempotentRequest(models.Model):
    """A POST sent with an ``Idempotency-Key``: the same key again from the same caller gets this answer back
    and writes nothing. ``fingerprint`` is the request's SHA-256 (method, path, body): the same key with
    another request is refused. Kept for ``KEEP_DAYS`` (``lindung.api.conventions``)."""

    principal = models.CharField(_("caller"), max_length=32)
    key = models.CharField(_("key"), max_length=200)
    fingerprint = models.CharField(_("request (SHA-256)"), max_length=64)
    status = models.PositiveSmallIntegerField(_("status"), null=True, blank=True)  # None while it runs
    content_type = models.CharField(_("content type"), max_length=100, blank=True)
    body = models.BinaryField(_("body"), blank=True, default=b"")
    location = models.CharField(_("location"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotentrequest_principal_key")]

    def __str__(self) -> str:
        return f"{self.principal} {self.key}"
