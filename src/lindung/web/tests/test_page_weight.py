"""Light pages for slow mobile connections (issue 17): every page of the provincial admin's menu, on demo data,
weighs under 150 KB as a browser receives it: the HTML gzipped by ``GZipMiddleware`` plus every stylesheet, script
and icon it names, gzipped as WhiteNoise serves them (downloads aside)."""

from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.test import Client

from lindung.accounts.models import User
from lindung.dashboard.services import dashboard_refresh
from lindung.testing import client_for, load_small_demo

BUDGET_BYTES = 150 * 1024
# What a page makes the browser fetch from our static files: stylesheets, scripts, icons and images.
_STATIC_REFERENCE = re.compile(r'(?:href|src)="(/' + re.escape(settings.STATIC_URL.strip("/")) + r'/[^"?#]+)"')
_MENU_LINK = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.DOTALL)


@pytest.fixture
def admin_client(settings: Any, reference_data: None) -> Client:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_small_demo(workers=400, seed=3)
    dashboard_refresh()
    return client_for(User.objects.get(username="admin_provinsi"), language="id")


def _static_weight(path: str) -> int:
    """A static file's size gzipped at WhiteNoise's level (it also keeps a smaller Brotli copy)."""
    found = finders.find(path.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
    assert found, f"a page names {path}, which no static folder holds"
    return len(gzip.compress(Path(str(found)).read_bytes(), compresslevel=9))


def _page_weight(client: Client, url: str) -> tuple[int, dict[str, int]]:
    response = client.get(url, headers={"accept-encoding": "gzip, deflate, br"})
    assert response.status_code == 200, url
    assert response["Content-Encoding"] == "gzip", f"{url} was sent uncompressed"
    html = gzip.decompress(response.content).decode()
    parts = {"html": len(response.content)}
    for path in sorted(set(_STATIC_REFERENCE.findall(html))):
        parts[path] = _static_weight(path)
    return sum(parts.values()), parts


def test_every_menu_page_of_the_provincial_admin_weighs_under_150_kb(admin_client: Client) -> None:
    home = gzip.decompress(admin_client.get("/", headers={"accept-encoding": "gzip"}).content).decode()
    menu = _MENU_LINK.search(home)
    assert menu, "the home page has no main menu"
    urls = ["/", *re.findall(r'href="([^"]+)"', menu.group(1))]
    # The biggest pages on demo data must be among them.
    assert {"/dasbor/", "/pekerja/", "/kepesertaan/"} <= set(urls)

    weights = {url: _page_weight(admin_client, url) for url in urls}
    too_heavy = {url: parts for url, (total, parts) in weights.items() if total > BUDGET_BYTES}
    assert too_heavy == {}, f"pages over {BUDGET_BYTES} bytes: {too_heavy}"
    # The dashboard (its inline SVG charts and tables) is the heaviest; it still has room.
    assert weights["/dasbor/"][0] > 10_000  # the measure measures something


def test_html_is_compressed_only_for_a_browser_that_accepts_it(admin_client: Client) -> None:
    plain = admin_client.get("/pekerja/", headers={"accept-encoding": "identity"})
    assert not plain.has_header("Content-Encoding")
    assert "Accept-Encoding" in plain["Vary"]
    packed = admin_client.get("/pekerja/", headers={"accept-encoding": "gzip"})
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) * 3 < len(plain.content)
