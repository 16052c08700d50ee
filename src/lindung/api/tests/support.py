"""What the API's tests share: a registered client's access token, taken from the token endpoint as a system
would take it."""

from __future__ import annotations

from django.test import Client

from lindung.accounts.models import ApiClient

TOKEN_URL = "/api/v1/oauth/token"


def token_from_endpoint(client: ApiClient, secret: str) -> str:
    """``client``'s access token by OAuth2 client credentials (form fields), asserting that it was given."""
    answer = Client().post(
        TOKEN_URL, {"grant_type": "client_credentials", "client_id": client.client_id, "client_secret": secret}
    )
    assert answer.status_code == 200, answer.content
    return str(answer.json()["access_token"])
