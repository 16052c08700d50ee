"""Shared test set-up: the test database holds Indonesia's regions and the rule tables.

Regions and rules are loaded once per test database (session scope), the way an installation
holds them. Transactional tests (browser tests) flush the database afterwards; they ask for the
``reference_data`` fixture, which reloads what they need.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import translation

from lindung.browser_testing import (  # noqa: F401 - fixtures and a hook, registered here once for every test
    browser,
    page,
    pytest_runtest_makereport,
    test_results_dir,
)
from lindung.privacy_notices.services import notices_load
from lindung.regions.services import regions_load
from lindung.rules.services import rules_load
from lindung.spreadsheets.tests.conftest import hostile_file  # noqa: F401 - the hostile corpus, for every app's tests

if TYPE_CHECKING:
    from lindung.accounts.models import User
    from lindung.programmes.models import Programme


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_password_hashing: keep Argon2 instead of the fast test hasher")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request: pytest.FixtureRequest, settings: Any) -> None:
    """Argon2 is slow on purpose (~0.3 s a hash; the cast hashes eight); tests about hashing opt out."""
    if request.node.get_closest_marker("real_password_hashing") is None:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Each test starts in the installation's default language, whatever an earlier test left active.

    A request through the test client activates its language for the thread and nothing deactivates it, so
    without this a test's sentences depend on which test ran before it in the same process.
    """
    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[None]:
    with django_db_blocker.unblock():  # type: ignore[attr-defined]
        regions_load()
        rules_load()
    yield


@pytest.fixture
def reference_data(transactional_db: None) -> None:
    """Kalimantan Barat's regions, the rules and the categories, for tests that run after a flush."""
    from lindung.workers.categories import seed_categories
    from lindung.workers.models import OccupationCategory

    regions_load(prefix="61")
    rules_load()
    seed_categories(OccupationCategory)
    notices_load()


@pytest.fixture
def cast(db: None) -> dict[str, User]:
    """operator_sambas (61.01), operator_pontianak (61.71), operator_desa (a Sambas village), verifikator,
    petugas_bpjs, keuangan, pimpinan and admin_provinsi (61): see ``lindung.testing.make_cast``."""
    from lindung.testing import make_cast

    return make_cast()


@pytest.fixture
def english() -> Iterator[None]:
    """Messages in English while the test runs (``pytest.mark.usefixtures("english")``)."""
    with translation.override("en"):
        yield


@pytest.fixture
def programme(db: None) -> Programme:
    """KALBAR-2026 (the province's, see ``lindung.testing.make_programme``) with a quota of 100 workers in
    Sambas (61.01) and in Pontianak (61.71). The contributions tests define their own."""
    from lindung.testing import make_programme, set_quota

    programme = make_programme("KALBAR-2026")
    set_quota(programme, "61.01", 100)
    set_quota(programme, "61.71", 100)
    return programme
