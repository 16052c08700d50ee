"""``POST /api/v1/oauth/token``: OAuth2 client credentials (RFC 6749 §4.4). The client's id and secret come as
form fields or HTTP Basic; the answer and its errors are RFC 6749's (§5.1, §5.2)."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import unquote

from django.http import HttpRequest, JsonResponse
from ninja import Form, Router, Schema
from pydantic import ConfigDict

from lindung.accounts.api_access import CLIENT_TOKEN_SECONDS, api_client_token_issue

router = Router(tags=["oauth"])


class TokenAnswer(Schema):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class TokenError(Schema):
    error: str
    error_description: str = ""


def _grant_type_required(schema: dict[str, Any]) -> None:
    """The document says what a token needs (``grant_type=client_credentials``); the route still answers any
    other request with RFC 6749's own errors (400 ``unsupported_grant_type``), not a validation problem."""
    schema["required"] = ["grant_type"]
    schema["properties"]["grant_type"] = {"title": "Grant Type", "type": "string", "enum": ["client_credentials"]}


class TokenRequest(Schema):
    model_config = ConfigDict(json_schema_extra=_grant_type_required)

    grant_type: str = ""
    client_id: str = ""
    client_secret: str = ""
    scope: str = ""


def _basic(request: HttpRequest) -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if header[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    return (unquote(client_id), unquote(secret)) if sep else None


def _error(status: int, error: str, description: str) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    if status == 401:
        response["WWW-Authenticate"] = 'Basic realm="lindung"'
    return response


@router.post(
    "/token",
    auth=None,
    response={200: TokenAnswer, 400: TokenError, 401: TokenError},
    summary="Get an access token (client credentials)",
)
def token(request: HttpRequest, form: Form[TokenRequest]) -> JsonResponse:
    if form.grant_type != "client_credentials":
        return _error(400, "unsupported_grant_type", "grant_type must be client_credentials")
    credentials = _basic(request) or (form.client_id, form.client_secret)
    if not credentials[0] or not credentials[1] or len(credentials[0]) > 200 or len(credentials[1]) > 200:
        return _error(401, "invalid_client", "client_id and client_secret are required")
    issued = api_client_token_issue(client_id=credentials[0], client_secret=credentials[1])
    if issued is None:
        return _error(401, "invalid_client", "unknown client, wrong secret, or revoked")
    response = JsonResponse(
        {
            "access_token": issued.raw,
            "token_type": "Bearer",
            "expires_in": CLIENT_TOKEN_SECONDS,
            "scope": " ".join(issued.token.scopes),
        }
    )
    response["Cache-Control"] = "no-store"
    return response
