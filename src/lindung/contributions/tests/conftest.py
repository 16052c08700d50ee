"""The programme that the contribution tests bill: KALBAR-2026 with no workers yet (no quotas needed)."""

from __future__ import annotations

import pytest

from lindung.programmes.models import Programme
from lindung.testing import make_programme


@pytest.fixture
def programme(db: None) -> Programme:
    """KALBAR-2026, the province's programme (``lindung.testing.make_programme``); a test module adds its workers."""
    return make_programme("KALBAR-2026")
