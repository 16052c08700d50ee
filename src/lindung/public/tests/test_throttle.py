"""The public check's rate limit: per client address, 429 with a sentence, only a keyed hash stored."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.utils import timezone

from lindung.public.models import CoverageCheckAttempt
from lindung.public.services import address_key, check_attempt_record
from lindung.public.tests.conftest import BIRTH_DATE, post_check
from lindung.testing import client_for, make_nik

pytestmark = pytest.mark.django_db

LIMIT = 10  # the default: LINDUNG_PUBLIC_CHECK_LIMIT


@pytest.fixture
def client() -> Client:
    return client_for(None, "en")


def test_the_check_is_refused_with_429_after_the_limit_and_not_before(client, covered):
    for attempt in range(LIMIT):
        nik = covered.nik if attempt == LIMIT - 1 else make_nik()
        response = post_check(client, nik, BIRTH_DATE.isoformat())
        assert response.status_code == 200, attempt

    refused = post_check(client, covered.nik, BIRTH_DATE.isoformat())

    assert refused.status_code == 429
    page = refused.content.decode()
    assert "Too many checks from this connection. Please wait 15 minutes before trying again." in page
    assert 'data-testid="check-answer"' not in page  # not even the right NIK gets an answer
    assert CoverageCheckAttempt.objects.count() == LIMIT  # a refused check is not counted


def test_the_refusal_speaks_the_users_language(covered):
    for _ in range(LIMIT + 1):
        response = post_check(client_for(None, "id"), make_nik(), BIRTH_DATE.isoformat())
    assert response.status_code == 429
    assert '<html lang="id">' in response.content.decode()


def test_badly_filled_forms_count_against_the_limit(client):
    for _ in range(LIMIT):
        assert post_check(client, "123", "").status_code == 400
    assert post_check(client, "123", "").status_code == 429


def test_the_limit_is_per_address(client):
    for _ in range(LIMIT):
        post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.1")
    assert post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.1").status_code == 429
    assert post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.2").status_code == 200


def test_behind_a_trusted_proxy_the_forwarded_address_counts(client, settings):
    settings.LINDUNG_TRUST_X_FORWARDED_FOR = True
    for _ in range(LIMIT):
        post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.9", forwarded_for="203.0.113.5")
    proxied = post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.9", forwarded_for="203.0.113.5")
    other = post_check(client, make_nik(), BIRTH_DATE.isoformat(), ip="10.0.0.9", forwarded_for="203.0.113.6")
    assert (proxied.status_code, other.status_code) == (429, 200)


def test_the_limit_and_window_are_settings(client, settings):
    settings.LINDUNG_PUBLIC_CHECK_LIMIT = 2
    settings.LINDUNG_PUBLIC_CHECK_WINDOW_MINUTES = 60
    assert [post_check(client, make_nik(), "1980-05-17").status_code for _ in range(3)] == [200, 200, 429]
    assert b"Please wait 60 minutes" in post_check(client, make_nik(), "1980-05-17").content


def test_the_block_lifts_when_the_oldest_attempt_leaves_the_window():
    start = timezone.now()
    for minute in range(LIMIT):
        assert check_attempt_record(address="10.0.0.1", now=start + dt.timedelta(minutes=minute)) is None
    block = check_attempt_record(address="10.0.0.1", now=start + dt.timedelta(minutes=10))
    assert block is not None and block.minutes == 5
    assert check_attempt_record(address="10.0.0.1", now=start + dt.timedelta(minutes=15, seconds=1)) is None


def test_attempts_older_than_the_window_are_deleted():
    start = timezone.now()
    check_attempt_record(address="10.0.0.1", now=start)
    check_attempt_record(address="10.0.0.2", now=start + dt.timedelta(minutes=20))
    assert CoverageCheckAttempt.objects.count() == 1


def test_only_a_keyed_hash_of_the_address_is_stored(client, covered):
    post_check(client, covered.nik, BIRTH_DATE.isoformat(), ip="192.0.2.44")

    row = CoverageCheckAttempt.objects.values().get()
    stored = str(row)
    assert "192.0.2.44" not in stored
    assert covered.nik not in stored and "1980" not in stored
    assert row["address_key"] == address_key("192.0.2.44")
    assert row["address_key"] != hashlib.sha256(b"192.0.2.44").hexdigest()
    assert len(row["address_key"]) == 64
