"""The Dukcapil adapter: the file implementation reads what the simulator writes (NIK checks, deaths since a day),
and fetched deaths are queued for review once, however often they are fetched."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from lindung.civil_registry.dukcapil import DukcapilError, FileDukcapil, HttpDukcapil, deaths_fetch, dukcapil_configured
from lindung.civil_registry.models import DeathNotice, NoticeStatus
from lindung.enrolments.models import Status
from lindung.testing import make_enrolment, make_programme, make_worker

pytestmark = pytest.mark.django_db


def test_the_file_adapter_reads_the_simulators_people_file_and_deaths_are_queued_once(tmp_path: Path, settings):
    worker = make_worker(name="Ahmad Yani", birth_date=dt.date(1980, 5, 17))
    make_enrolment(worker, make_programme("KALBAR-2026"), Status.ACTIVE)
    people = tmp_path / "dukcapil.json"
    call_command(
        "simulate",
        "dukcapil",
        "--key",
        str(tmp_path / "k.pem"),
        "--people-file",
        str(people),
        "--person",
        f"{worker.nik}=AHMAD  YANI=1980-05-17",
        "--death",
        f"{worker.nik}=2026-11-20",
        "--death",
        "6171010101900001=2026-11-21",
        stdout=io.StringIO(),
    )
    settings.LINDUNG_DUKCAPIL_FILE = str(people)
    adapter = dukcapil_configured()
    assert isinstance(adapter, FileDukcapil)

    check = adapter.verify_nik(worker.nik, "Ahmad Yani", dt.date(1980, 5, 17))
    assert check.matches and check.dead
    assert not adapter.verify_nik(worker.nik, "Budi", dt.date(1980, 5, 17)).matches
    assert not adapter.verify_nik("6101010101010001", "Ahmad Yani", dt.date(1980, 5, 17)).found
    assert [d.died_on for d in adapter.deaths_since(dt.date(2026, 11, 21))] == [dt.date(2026, 11, 21)]

    deaths_fetch(adapter, dt.date(2026, 11, 1))
    deaths_fetch(adapter, dt.date(2026, 11, 1))

    notice = DeathNotice.objects.get()  # the unknown NIK left nothing; the second fetch changed nothing
    assert (notice.worker_id, notice.status) == (worker.pk, NoticeStatus.PENDING)


def test_the_http_adapter_is_unused_unless_configured_and_refuses_other_schemes(settings):
    settings.LINDUNG_DUKCAPIL_URL = ""
    settings.LINDUNG_DUKCAPIL_FILE = ""
    assert dukcapil_configured() is None
    settings.LINDUNG_DUKCAPIL_URL = "https://dukcapil.example.invalid/api"
    assert isinstance(dukcapil_configured(), HttpDukcapil)
    with pytest.raises(DukcapilError):
        HttpDukcapil("file:///etc/passwd")
