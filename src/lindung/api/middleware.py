"""Middleware of the API: each request in its own context, and POSTs made safe to repeat."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from lindung.accounts.api_access import api_token_principal
from lindung.api.auth import request_token
from lindung.api.models import IdempotentRequest
from lindung.api.problems import ApiProblem, problem, too_large
from lindung.audit.channel import audit_channel

API_PREFIX = "/api/"
IDEMPOTENCY_KEY_MAX = 200
# Bodies of these types are part of the fingerprint as they are; an upload (multipart) by its fields and its
# files' contents, read in chunks from where Django put them (a large file is on disk, not in memory).
_HASHED_BODIES = ("application/json", "application/x-www-form-urlencoded", "text/")
_MULTIPART = "multipart/form-data"


def audit_channel_per_request(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """The audit channel the API's authentication sets lasts for its request only: it never reaches the next
    request the same thread serves. (Not a copied context: a streamed answer is written after the middleware
    returns, and must keep the language the request activated.)"""

    def middleware(request: HttpRequest) -> HttpResponse:
        with audit_channel(""):
            return get_response(request)

    return middleware


def query_parameters_once(
    get_response: Callable[[HttpRequest], HttpResponse],
) -> Callable[[HttpRequest], HttpResponse]:
    """Under /api/ a query parameter is given at most once: every one the API takes holds one value, and a
    repeated one (``?cursor=a&cursor=b``) is refused rather than silently read as its last value."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            repeated = sorted(name for name, values in request.GET.lists() if len(values) > 1)
            if repeated:
                message = _("This parameter is given more than once.")
                errors = [{"field": name[:100], "message": message} for name in repeated[:20]]
                return problem(422, "validation", _("The request has values that are not valid."), errors=errors)
        return get_response(request)

    return middleware


def _fingerprint(request: HttpRequest) -> str:
    digest = hashlib.sha256()
    content_type = request.content_type or ""
    for part in (request.method or "", request.path, request.META.get("QUERY_STRING", ""), content_type):
        digest.update(part.encode() + b"\0")
    if content_type.startswith(_HASHED_BODIES):
        digest.update(request.body)
    elif content_type == _MULTIPART:
        _digest_multipart(request, digest)
    else:
        digest.update(request.META.get("CONTENT_LENGTH", "").encode())
    return digest.hexdigest()


def _digest_multipart(request: HttpRequest, digest: hashlib._Hash) -> None:
    """The form's fields and each file's name and bytes; a body Django cannot parse, by its length (the view
    then refuses it)."""
    try:
        for name, values in sorted(request.POST.lists()):
            digest.update(name.encode() + b"\0" + "\0".join(values).encode() + b"\0")
        for name, files in sorted(request.FILES.lists()):
            for upload in files:
                digest.update(f"{name}\0{upload.name}\0{upload.size}\0".encode())
                for chunk in upload.chunks():
                    digest.update(chunk)
                upload.seek(0)
    except Exception:  # a malformed body: the view answers it; the key stays bound to its length
        digest.update(request.META.get("CONTENT_LENGTH", "").encode())


def _replay(record: IdempotentRequest) -> HttpResponse:
    response = HttpResponse(bytes(record.body), status=record.status or 200, content_type=record.content_type)
    if record.location:
        response["Location"] = record.location
    response["Idempotent-Replayed"] = "true"
    return response


def idempotency(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """A POST to the API with an ``Idempotency-Key`` runs once per caller and key.

    The key's record and the request's writes commit in one transaction, so a request that fails leaves
    neither and may be sent again; one that succeeded is answered again from the record, writing nothing.
    The same key with another request is refused (422); a key whose first request still runs gets 409.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or key is None or not request.path.startswith(API_PREFIX):
            return get_response(request)
        if not key or len(key) > IDEMPOTENCY_KEY_MAX or not key.isprintable():
            return problem(
                400,
                "idempotency-key",
                _("An Idempotency-Key is 1 to %(count)d printable characters.") % {"count": IDEMPOTENCY_KEY_MAX},
            )
        auth = request.headers.get("Authorization", "")
        try:
            token = request_token(request, auth[7:].strip()) if auth[:7].lower() == "bearer " else None
        except ApiProblem as refused:  # the caller's limit: refused before anything runs
            return problem(refused.status, refused.kind, refused.detail, headers=refused.headers)
        if token is None:
            return get_response(request)  # the view answers 401 (the token endpoint needs no key)
        principal = api_token_principal(token)
        try:
            fingerprint = _fingerprint(request)
        except RequestDataTooBig:
            return too_large()
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotentRequest.objects.create(principal=principal, key=key, fingerprint=fingerprint)
            except IntegrityError:
                earlier = IdempotentRequest.objects.filter(principal=principal, key=key).first()
                if earlier is None or earlier.status is None:
                    return problem(
                        409,
                        "idempotency-in-progress",
                        _("A request with this Idempotency-Key is still running; try again in a moment."),
                        headers={"Retry-After": "1"},
                    )
                if earlier.fingerprint != fingerprint:
                    return problem(
                        422,
                        "idempotency-key-reused",
                        _("This Idempotency-Key was used for another request; use a new key for each request."),
                    )
                return _replay(earlier)
            response = get_response(request)
            if not 200 <= response.status_code < 300 or response.streaming:
                # Nothing to replay: the key is free again, and a refused request wrote nothing anyway.
                transaction.set_rollback(True)
                return response
            record.status = response.status_code
            record.content_type = response.get("Content-Type", "")
            record.body = response.content
            record.location = response.get("Location", "")
            record.save(update_fields=["status", "content_type", "body", "location"])
        if record.pk % 100 == 0:  # now and then, the keys past their days go
            cutoff = timezone.now() - dt.timedelta(days=settings.LINDUNG_API_IDEMPOTENCY_DAYS)
            IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
        return response

    return middleware
