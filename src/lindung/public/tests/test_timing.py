"""Answer time: a registered NIK and an unknown one take the same time, padded to LINDUNG_PUBLIC_CHECK_MS."""

from __future__ import annotations

import statistics
import time

import pytest

from lindung.public.tests.conftest import BIRTH_DATE, post_check
from lindung.testing import client_for, make_nik

pytestmark = pytest.mark.django_db

MINIMUM_MS = 200


def test_registered_and_unknown_nik_answer_in_the_same_time(covered, settings):
    settings.LINDUNG_PUBLIC_CHECK_MS = MINIMUM_MS
    settings.LINDUNG_PUBLIC_CHECK_LIMIT = 100
    client = client_for(None, "en")
    post_check(client, make_nik(), BIRTH_DATE.isoformat())  # warm up templates and connections
    registered: list[float] = []
    unknown: list[float] = []
    for _ in range(5):  # interleaved, so that a busy moment of the machine hits both alike
        for nik, times, answer in ((covered.nik, registered, b"yes"), (make_nik(), unknown, b"no")):
            started = time.perf_counter()
            response = post_check(client, nik, BIRTH_DATE.isoformat())
            times.append(time.perf_counter() - started)
            assert b'data-covered="' + answer + b'"' in response.content

    assert min(registered + unknown) >= MINIMUM_MS / 1000
    assert abs(statistics.median(registered) - statistics.median(unknown)) < 0.05


def test_refused_and_badly_filled_checks_are_padded_too(settings):
    settings.LINDUNG_PUBLIC_CHECK_MS = MINIMUM_MS
    settings.LINDUNG_PUBLIC_CHECK_LIMIT = 1
    client = client_for(None, "en")
    for expected in (400, 429):
        started = time.perf_counter()
        assert post_check(client, "123", "").status_code == expected
        assert time.perf_counter() - started >= MINIMUM_MS / 1000
