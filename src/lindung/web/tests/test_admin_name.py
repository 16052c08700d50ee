"""The admin carries Lindung's name in the user's language, not "Django administration"."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "name"), [("id", "Administrasi Lindung"), ("en", "Lindung administration")])
def test_the_admin_is_named_lindung(admin_client: Client, language: str, name: str) -> None:
    response = admin_client.get("/admin/", headers={"accept-language": language})
    assert response.status_code == 200
    page = response.content.decode()
    assert name in page
    assert "Django" not in page.split("<body")[0]
