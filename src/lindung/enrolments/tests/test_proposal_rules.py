"""The rule set for proposing a worker (``lindung.enrolments.proposals``), one case per rule and a valid one, fed
through the pages (``worker_register``, then ``enrolment_propose``), through the import (``import_run`` of a
one-row file) and as a list of one (``enrolment_propose_many``, the API's list): all must reach the same verdict
and say the same sentence, in English and in Indonesian. It runs in both suites, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation

from lindung.accounts.models import User
from lindung.enrolments.models import Status
from lindung.enrolments.propose_many import ProposalsRefused, enrolment_propose_many
from lindung.enrolments.services import EnrolmentError, enrolment_propose
from lindung.imports.services import import_run
from lindung.pdp.restriction import processing_restrict
from lindung.programmes.models import FunderType, Programme
from lindung.regions.models import Region
from lindung.spreadsheets.limits import ImportFileError
from lindung.testing import (
    PONTIANAK_VILLAGE,
    SAMBAS_VILLAGE,
    Cast,
    make_enrolment,
    make_nik,
    make_programme,
    make_worker,
    set_quota,
)
from lindung.workers.forms import OccupationField
from lindung.workers.models import Worker
from lindung.workers.services import LikelyDuplicates, worker_register

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 1)
BIRTH = dt.date(1980, 5, 17)
OTHERS_BORN = dt.date(1970, 1, 1)  # the other workers a case needs, so that they look like nobody in it

Verdict = tuple[str, str]  # (what happened, the sentence said: "" when nothing was said)
PROPOSED: Verdict = ("proposed", "")
SKIPPED: Verdict = ("skipped", "")
# How the import asks to confirm a look-alike, after the rule's sentence (the form asks with a tick box).
CONFIRM_BY_COLUMN = {
    "en": "If they are different people, write ya in the column Bukan Duplikat.",
    "id": "Jika keduanya orang yang berbeda, tulis ya di kolom Bukan Duplikat.",
}


@dataclass(frozen=True)
class Person:
    """A worker as the operator types them: into the form, or into a row of the template."""

    nik: str
    name: str = "Agus Salim"
    birth_date: dt.date = BIRTH
    sex: str = "L"
    village: str = SAMBAS_VILLAGE
    income: int = 1_000_000
    kk_number: str = ""
    occupation: str = "PETANI"  # as typed: a category's code or name, or an occupation ("Marbot")

    def form_data(self) -> dict[str, Any]:
        """What the registration form hands to ``worker_register``."""
        return {
            "nik": self.nik,
            "name": self.name,
            "birth_place": "Sambas",
            "birth_date": self.birth_date,
            "sex": self.sex,
            "address": "Jl. Pasar No. 3",
            "village": Region.objects.get(code=self.village),
            "phone": "0812-3456-7890",
            "occupation": OccupationField().clean(self.occupation),  # the form's reading of what was typed
            "declared_income": self.income,
            "kk_number": self.kk_number,
            "mother_maiden_name": "",
            "privacy_notice": 1,
        }

    def row(self) -> dict[str, str]:
        """The same worker as a row of the template."""
        return {
            "NIK": self.nik,
            "Nama Lengkap": self.name,
            "Tempat Lahir": "Sambas",
            "Tanggal Lahir": f"{self.birth_date:%d/%m/%Y}",
            "Jenis Kelamin": self.sex,
            "Alamat": "Jl. Pasar No. 3",
            "Kode Desa": self.village,
            "No HP": "0812-3456-7890",
            "Kategori": self.occupation,
            "Penghasilan": str(self.income),
            "No KK": self.kk_number,
            "Versi Pemberitahuan Privasi": "1",
        }


@dataclass
class Case:
    actor: User
    programme: Programme
    person: Person
    expected: Verdict = PROPOSED
    # A registered worker is proposed from their page; in a file, their row proposes them.
    registered: Worker | None = None


def _registered(worker: Worker) -> Person:
    return Person(
        nik=worker.nik, name=worker.name, birth_date=worker.birth_date, sex=worker.sex, village=worker.village_id
    )


def _valid(cast: Cast, programme: Programme) -> Case:
    return Case(cast["operator_sambas"], programme, Person(nik=make_nik()))


def _nik_structure(cast: Cast, programme: Programme) -> Case:
    nik = make_nik()[:12] + "0000"
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=nik),
        ("refused", "The serial number (last 4 digits) must not be 0000; serials start at 0001."),
    )


def _birth_date_against_nik(cast: Cast, programme: Programme) -> Case:
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(), birth_date=dt.date(1980, 5, 18)),
        ("refused", "The date of birth does not match the NIK, which says 17-05-1980."),
    )


def _sex_against_nik(cast: Cast, programme: Programme) -> Case:
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(), sex="P"),
        ("refused", "The sex does not match the NIK: women have 40 added to the day of birth (digits 7–8)."),
    )


def _age_limit(cast: Cast, programme: Programme) -> Case:
    born = dt.date(1950, 1, 2)
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(birth_date=born), birth_date=born),
        ("refused", "A worker must be under 65 years old at registration; this person is 76."),
    )


def _income_minimum(cast: Cast, programme: Programme) -> Case:
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(), income=500_000),
        ("refused", "The declared income must be at least Rp 1,000,000 a month."),
    )


def _kk_number(cast: Cast, programme: Programme) -> Case:
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(), kk_number="61010100000000"),
        ("refused", "The family card (KK) number must be exactly 16 digits."),
    )


def _village_outside_the_users_region(cast: Cast, programme: Programme) -> Case:
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(district="61.71.01"), village=PONTIANAK_VILLAGE),
        ("refused", "This village is outside your region."),
    )


def _village_outside_the_programmes_region(cast: Cast, programme: Programme) -> Case:
    sambas = make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA)
    return Case(
        cast["admin_provinsi"],
        sambas,
        Person(nik=make_nik(district="61.71.01"), village=PONTIANAK_VILLAGE),
        ("refused", "This worker lives outside the region of programme SAMBAS-2026."),
    )


def _nik_registered_in_another_regency(cast: Cast, programme: Programme) -> Case:
    holder = make_worker(village=PONTIANAK_VILLAGE, name="Rudi Hartono")
    return Case(
        cast["admin_provinsi"],
        programme,
        Person(nik=holder.nik),
        ("refused", "This NIK is already registered in Kota Pontianak."),
    )


def _nik_registered_outside_the_users_region(cast: Cast, programme: Programme) -> Case:
    holder = make_worker(village=PONTIANAK_VILLAGE, name="Rudi Hartono")
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=holder.nik),
        ("refused", "This NIK is already registered in Kota Pontianak, outside your region."),
    )


def _likely_duplicate(cast: Cast, programme: Programme) -> Case:
    earlier = make_worker(name="Budi Santoso")  # Sambas, born 17 May 1980, as the person
    masked = f"{earlier.nik[:4]}******{earlier.nik[-6:]}"
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik(), name="SANTOSO, BUDI"),
        (
            "asks to confirm",
            f"This looks like Budi Santoso (NIK {masked}), registered with the same birth date in this regency.",
        ),
    )


def _likely_duplicate_outside_the_users_region(cast: Cast, programme: Programme) -> Case:
    make_worker(village="61.01.01.2002", name="Budi Santoso")  # another village: not the village operator's
    return Case(
        cast["operator_desa"],
        programme,
        Person(nik=make_nik(), name="Budi Santoso."),
        ("asks to confirm", "This looks like a worker registered in another region with the same birth date."),
    )


def _programme_closed(cast: Cast, programme: Programme) -> Case:
    closed = make_programme("KALBAR-TUTUP", open_for_proposals=False)
    return Case(
        cast["operator_sambas"],
        closed,
        Person(nik=make_nik()),
        ("refused", "Programme KALBAR-TUTUP is not open for proposals."),
    )


def _overlapping_government_coverage(cast: Cast, programme: Programme) -> Case:
    worker = make_worker(name="Joko Susilo", birth_date=OTHERS_BORN)
    make_enrolment(worker, make_programme("SAMBAS-2026", region_id="61.01", funder_type=FunderType.APBD_KABKOTA))
    return Case(
        cast["operator_sambas"],
        programme,
        _registered(worker),
        (
            "refused",
            "This worker already has government-funded coverage for overlapping months in programme SAMBAS-2026 "
            "(Perlindungan Pekerja Rentan SAMBAS-2026); a second government-funded enrolment is not allowed.",
        ),
        registered=worker,
    )


def _rejected_in_the_programme(cast: Cast, programme: Programme) -> Case:
    worker = make_worker(name="Ani Rahayu", birth_date=OTHERS_BORN)
    make_enrolment(worker, programme, Status.REJECTED)
    return Case(
        cast["operator_sambas"],
        programme,
        _registered(worker),
        (
            "refused",
            "This worker's proposal in programme KALBAR-2026 was rejected. To propose them again, open the "
            "enrolment's page and choose Propose again.",
        ),
        registered=worker,
    )


def _ended_in_the_programme(cast: Cast, programme: Programme) -> Case:
    worker = make_worker(name="Bambang Sutrisno", birth_date=OTHERS_BORN)
    make_enrolment(worker, programme, Status.ENDED)
    return Case(
        cast["operator_sambas"],
        programme,
        _registered(worker),
        (
            "refused",
            "This worker's enrolment in programme KALBAR-2026 has ended; a worker is enrolled in a programme only "
            "once.",
        ),
        registered=worker,
    )


def _processing_restricted(cast: Cast, programme: Programme) -> Case:
    worker = make_worker(name="Wahyu Restu", birth_date=OTHERS_BORN)
    processing_restrict(actor=cast["pejabat_pdp"], worker=worker, request=None, reason="Permintaan pekerja")
    return Case(
        cast["operator_sambas"],
        programme,
        _registered(worker),
        (
            "refused",
            "The person asked to restrict the processing of their data: this record cannot be proposed, exported "
            "or shown whole until the data protection officer lifts the restriction.",
        ),
        registered=worker,
    )


def _regency_quota(cast: Cast, programme: Programme) -> Case:
    set_quota(programme, "61.01", 1)
    make_enrolment(make_worker(name="Slamet Riyadi", birth_date=OTHERS_BORN), programme, Status.ACTIVE)
    return Case(
        cast["operator_sambas"],
        programme,
        Person(nik=make_nik()),
        ("refused", "The quota of 1 worker for Kabupaten Sambas in programme KALBAR-2026 is full."),
    )


CASES: dict[str, Callable[[Cast, Programme], Case]] = {
    "a valid worker": _valid,
    "NIK structure": _nik_structure,
    "birth date against the NIK": _birth_date_against_nik,
    "sex against the NIK": _sex_against_nik,
    "age limit at registration": _age_limit,
    "minimum declared income": _income_minimum,
    "KK number": _kk_number,
    "village outside the user's region": _village_outside_the_users_region,
    "village outside the programme's region": _village_outside_the_programmes_region,
    "NIK registered in another regency": _nik_registered_in_another_regency,
    "NIK registered outside the user's region": _nik_registered_outside_the_users_region,
    "likely duplicate": _likely_duplicate,
    "likely duplicate outside the user's region": _likely_duplicate_outside_the_users_region,
    "programme not open for proposals": _programme_closed,
    "overlapping government-funded coverage": _overlapping_government_coverage,
    "rejected in the programme": _rejected_in_the_programme,
    "ended in the programme": _ended_in_the_programme,
    "processing restricted at the person's request": _processing_restricted,
    "regency quota full": _regency_quota,
}


def through_the_pages(case: Case, *, propose: Callable[[User, Worker, Programme], None] | None = None) -> Verdict:
    """Register the worker with the form (a registered one is opened instead), then propose them (with the page's
    service, or ``propose``)."""
    worker = case.registered
    if worker is None:
        try:
            worker = worker_register(actor=case.actor, data=case.person.form_data(), heirs=[], today=TODAY)
        except LikelyDuplicates as exc:
            return ("asks to confirm", exc.message)
        except ValidationError as exc:
            (problem,) = [message for messages in exc.message_dict.values() for message in messages]
            return ("refused", problem)
    try:
        if propose is None:
            enrolment_propose(actor=case.actor, worker=worker, programme=case.programme)
        else:
            propose(case.actor, worker, case.programme)
    except EnrolmentError as exc:
        return ("refused", exc.text)
    return PROPOSED


def through_a_list(case: Case) -> Verdict:
    """As the pages, but proposed as the one worker of a list (``enrolment_propose_many``, the API's list)."""

    def propose(actor: User, worker: Worker, programme: Programme) -> None:
        try:
            enrolment_propose_many(actor=actor, programme=programme, worker_ids=[worker.pk])
        except ProposalsRefused as exc:
            (refusal,) = exc.refusals
            raise EnrolmentError(refusal.message) from None

    return through_the_pages(case, propose=propose)


def through_the_import(case: Case, path: Path, language: str) -> Verdict:
    """Upload the worker as the one row of a file."""
    row = case.person.row()
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f, delimiter=";")
        writer.writerow(row)
        writer.writerow(row.values())
    try:
        result = import_run(actor=case.actor, programme=case.programme, path=path, today=TODAY)
    except ImportFileError as exc:
        return ("refused", exc.message)
    if result.imported == 1:
        return PROPOSED
    if result.skipped == 1:
        return SKIPPED
    (error,) = result.errors
    confirm = " " + CONFIRM_BY_COLUMN[language]
    if error.message.endswith(confirm):
        return ("asks to confirm", error.message.removesuffix(confirm))
    return ("refused", error.message)


def _undone[T](path: Callable[[], T]) -> T:
    """``path``'s outcome, with everything it wrote undone: each path starts from the case's database."""
    with transaction.atomic():
        outcome = path()
        transaction.set_rollback(True)
    return outcome


@pytest.mark.parametrize("rule", list(CASES))
def test_the_pages_and_the_import_reach_the_same_verdict_with_the_same_sentence(
    cast: Cast, programme: Programme, tmp_path: Path, rule: str
):
    case = CASES[rule](cast, programme)
    for language in ("en", "id"):
        with translation.override(language):
            pages = _undone(lambda: through_the_pages(case))
            upload = _undone(lambda: through_the_import(case, tmp_path / f"usulan-{language}.csv", language))  # noqa: B023 - called at once
            listed = _undone(lambda: through_a_list(case))
        assert pages == upload, f"{language}: the pages say {pages}, the import says {upload}"
        assert pages == listed, f"{language}: the pages say {pages}, a list of proposals says {listed}"
        if language == "en":
            assert pages == case.expected
        else:
            # Said in Indonesian (a sentence without a translation would stay English).
            assert pages == PROPOSED or pages[1] != case.expected[1]


def test_two_verdicts_differ_on_purpose(cast: Cast, programme: Programme, tmp_path: Path):
    """A registered NIK in its own regency is that worker, proposed by the file (the form says the NIK is
    registered; the worker's page proposes them); a worker already proposed is skipped by the file, so that a
    file uploaded twice changes nothing (the page refuses a second proposal)."""
    operator = cast["operator_sambas"]
    registered = make_worker(name="Teguh Prakoso", birth_date=OTHERS_BORN)
    proposed = make_worker(name="Citra Dewi", birth_date=OTHERS_BORN, sex="P")
    make_enrolment(proposed, programme, Status.PROPOSED)
    registering = Case(operator, programme, _registered(registered))
    proposing_again = Case(operator, programme, _registered(proposed), registered=proposed)

    with translation.override("en"):
        assert _undone(lambda: through_the_pages(registering)) == (
            "refused",
            "This NIK is already registered in Kabupaten Sambas.",
        )
        assert _undone(lambda: through_the_import(registering, tmp_path / "a.csv", "en")) == PROPOSED
        assert _undone(lambda: through_the_pages(proposing_again)) == (
            "refused",
            "This worker is already enrolled in programme KALBAR-2026.",
        )
        assert _undone(lambda: through_the_import(proposing_again, tmp_path / "b.csv", "en")) == SKIPPED


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("Marbot", "KEAGAMAAN"),
        ("guru ngaji", "KEAGAMAAN"),
        ("petani sawit", "PETANI"),
        ("Nelayan Tangkap", "NELAYAN"),
        ("Pekerja keagamaan", "KEAGAMAAN"),
        ("rt_rw", "RT_RW"),
    ],
)
def test_the_pages_and_the_import_read_an_occupation_as_the_same_category(
    cast: Cast, programme: Programme, tmp_path: Path, typed: str, code: str
):
    """The occupation as people write it (``data/occupation_synonyms.csv``), read by the one rule on both paths."""
    case = Case(cast["operator_sambas"], programme, Person(nik=make_nik(), occupation=typed))

    def category(path: Callable[[], Verdict]) -> tuple[Verdict, str]:
        return path(), Worker.objects.get(nik=case.person.nik).occupation.code

    with translation.override("en"):
        pages = _undone(lambda: category(lambda: through_the_pages(case)))
        upload = _undone(lambda: category(lambda: through_the_import(case, tmp_path / "usulan.csv", "en")))
    assert pages == upload == (PROPOSED, code)
