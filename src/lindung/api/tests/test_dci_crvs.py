"""Deaths from the civil registry over DCI (issue 18, "Done when"): a signed death notification for an active
worker lands in the review queue; after a person confirms it the enrolment has ended (died) and a draft JKM claim
exists with the heirs on file; the same message again changes nothing. Signatures: valid, tampered, expired,
unknown key. Through HTTP with a real client token, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
import logging
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from lindung.accounts.api_access import api_client_create
from lindung.api.dci.signing import load_or_create_private_key, public_jwk, signed_envelope, verify
from lindung.api.management.commands.simulate import notify_envelope
from lindung.api.tests.support import token_from_endpoint
from lindung.audit.models import AuditEntry
from lindung.civil_registry.models import DeathMessage, DeathNotice, NoticeStatus
from lindung.claims.models import Claim, ClaimStatus, ClaimType
from lindung.enrolments.models import EndReason, Enrolment, Status
from lindung.programmes.models import Programme
from lindung.testing import PONTIANAK_VILLAGE, Cast, client_for, make_enrolment, make_programme, make_worker
from lindung.workers.models import Heir, HeirRelation, Worker

pytestmark = pytest.mark.django_db

NOTIFY = "/api/v1/dci/crvs/notify"
DIED_ON = dt.date(2026, 11, 20)


@pytest.fixture(autouse=True)
def _lindung_key(settings: Any, tmp_path: Path) -> None:
    settings.LINDUNG_DCI_SIGNING_KEY_FILE = tmp_path / "lindung" / "dci-signing-key.pem"


@pytest.fixture
def programme(db: None) -> Programme:
    return make_programme("KALBAR-2026")


@pytest.fixture
def worker(programme: Programme) -> Worker:
    worker = make_worker(name="Ahmad Yani")
    make_enrolment(worker, programme, Status.ACTIVE)
    Heir.objects.create(worker=worker, name="Siti Aminah", relation=HeirRelation.SPOUSE)
    return worker


def _registry_key(tmp_path: Path, name: str = "dukcapil") -> Path:
    return tmp_path / f"{name}.pem"


def _registry_client(
    tmp_path: Path, *, region: str = "61", scopes: tuple[str, ...] = ("deaths.notify",), name: str = "Dukcapil"
) -> Client:
    """A civil registry's client (its key registered), holding a token from the token endpoint."""
    jwk = public_jwk(load_or_create_private_key(_registry_key(tmp_path)))
    client, secret = api_client_create(
        actor=None, name=name, region_code=region, scopes=list(scopes), public_keys=[jwk]
    )
    http = Client()
    http.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token_from_endpoint(client, secret)}"
    return http


def _post(http: Client, envelope: dict[str, Any]) -> Any:
    return http.post(NOTIFY, data=json.dumps(envelope), content_type="application/json")


def _envelope(tmp_path: Path, *deaths: tuple[str, dt.date], **options: Any) -> dict[str, Any]:
    return notify_envelope(list(deaths), key_file=_registry_key(tmp_path), **options)


def _csrf(body: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    assert found is not None
    return found.group(1)


# --- the flow of "Done when" ---------------------------------------------------------------------------------


def test_a_signed_death_is_queued_confirmed_by_a_person_and_the_same_message_again_changes_nothing(
    tmp_path: Path, cast: Cast, worker: Worker
):
    registry = _registry_client(tmp_path)
    envelope = _envelope(tmp_path, (worker.nik, DIED_ON))

    answer = _post(registry, envelope)

    assert answer.status_code == 200, answer.content
    ack = answer.json()
    assert ack["message"]["ack_status"] == "ACK"
    assert ack["header"]["status"] == "succ"
    # Lindung signs its answer with the key it publishes.
    published = Client().get("/.well-known/jwks.json").json()
    assert verify(ack, published["keys"]).sender_id == "lindung"
    notice = DeathNotice.objects.get()
    assert (notice.worker_id, notice.died_on, notice.status) == (worker.pk, DIED_ON, NoticeStatus.PENDING)
    assert notice.regency_code == "61.01"
    # Nothing ended by itself.
    assert Enrolment.objects.get(worker=worker).status == Status.ACTIVE
    assert not Claim.objects.exists()

    # The regency's operator finds it in the queue, on the start page and in the menu, and confirms it.
    operator = client_for(cast["operator_sambas"])
    start = operator.get("/").content.decode()
    assert 'href="/kematian/"' in start
    assert re.search(r'data-testid="count-death_notices">1<', start)
    queue = operator.get("/kematian/").content.decode()
    assert "Ahmad Yani" in queue and worker.nik not in queue  # the list masks the NIK
    page = operator.get(f"/kematian/{notice.pk}/")
    assert page.status_code == 200
    assert "Siti Aminah" in page.content.decode()  # the heirs on file
    confirmed = operator.post(f"/kematian/{notice.pk}/konfirmasi/")

    claim = Claim.objects.get(worker=worker)
    assert confirmed.status_code == 302 and confirmed["Location"] == f"/klaim/{claim.pk}/"
    assert (claim.type, claim.status, claim.incident_date) == (ClaimType.JKM, ClaimStatus.REPORTED, DIED_ON)
    assert list(Heir.objects.filter(worker=worker).values_list("name", flat=True)) == ["Siti Aminah"]
    enrolment = Enrolment.objects.get(worker=worker)
    assert (enrolment.status, enrolment.end_reason, enrolment.coverage_end) == (Status.ENDED, EndReason.DIED, DIED_ON)
    notice.refresh_from_db()
    assert (notice.status, notice.decided_by, notice.claim_id) == (
        NoticeStatus.CONFIRMED,
        cast["operator_sambas"],
        claim.pk,
    )
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"death_message.received", "death_notice.received", "death_notice.confirmed", "claim.registered"} <= actions
    assert "enrolment.ended" in actions or any(a.startswith("enrolment.") for a in actions)

    # The same message again: the same acknowledgement, and nothing written.
    counts = (
        DeathMessage.objects.count(),
        DeathNotice.objects.count(),
        Claim.objects.count(),
        AuditEntry.objects.count(),
    )
    again = _post(registry, envelope)
    assert again.status_code == 200
    assert again.json()["message"]["correlation_id"] == ack["message"]["correlation_id"]
    assert (
        DeathMessage.objects.count(),
        DeathNotice.objects.count(),
        Claim.objects.count(),
        AuditEntry.objects.count(),
    ) == counts
    # A new message about the same death is not queued twice either.
    _post(registry, _envelope(tmp_path, (worker.nik, DIED_ON)))
    assert DeathNotice.objects.count() == 1


def test_a_dismissed_notice_changes_nothing_but_itself(tmp_path: Path, cast: Cast, worker: Worker):
    _post(_registry_client(tmp_path), _envelope(tmp_path, (worker.nik, DIED_ON)))
    notice = DeathNotice.objects.get()
    operator = client_for(cast["operator_sambas"])

    refused = operator.post(f"/kematian/{notice.pk}/abaikan/", {"reason": ""})
    assert refused.status_code == 422
    dismissed = operator.post(f"/kematian/{notice.pk}/abaikan/", {"reason": "Keluarga: pekerja masih hidup."})

    assert dismissed.status_code == 302
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.DISMISSED
    assert Enrolment.objects.get(worker=worker).status == Status.ACTIVE
    assert not Claim.objects.exists()
    # Decided: it cannot be confirmed afterwards.
    assert operator.post(f"/kematian/{notice.pk}/konfirmasi/").status_code == 422
    assert not Claim.objects.exists()


def test_a_notice_outside_the_reviewers_region_is_404_and_roles_without_the_actions_are_refused(
    tmp_path: Path, cast: Cast, worker: Worker
):
    _post(_registry_client(tmp_path), _envelope(tmp_path, (worker.nik, DIED_ON)))
    notice = DeathNotice.objects.get()
    pontianak = client_for(cast["operator_pontianak"])

    assert pontianak.get(f"/kematian/{notice.pk}/").status_code == 404
    assert pontianak.post(f"/kematian/{notice.pk}/konfirmasi/").status_code == 404
    assert pontianak.post(f"/kematian/{notice.pk}/abaikan/", {"reason": "x"}).status_code == 404
    assert f'data-notice="{notice.pk}"' not in pontianak.get("/kematian/").content.decode()
    assert 'data-testid="count-death_notices">0<' in pontianak.get("/").content.decode()
    for role in ("pimpinan", "keuangan", "petugas_bpjs"):
        assert client_for(cast[role]).get("/kematian/").status_code == 403
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.PENDING
    assert Enrolment.objects.get(worker=worker).status == Status.ACTIVE


def test_a_registry_client_of_sambas_cannot_reach_a_pontianak_worker(tmp_path: Path, programme: Programme):
    pontianak_worker = make_worker(village=PONTIANAK_VILLAGE)
    make_enrolment(pontianak_worker, programme, Status.ACTIVE)
    registry = _registry_client(tmp_path, region="61.01")

    answer = _post(registry, _envelope(tmp_path, (pontianak_worker.nik, DIED_ON)))

    assert answer.status_code == 200
    assert not DeathNotice.objects.exists()
    assert DeathMessage.objects.get().outcomes == [{"reference_id": "1", "outcome": "not_found"}]


# --- signatures ----------------------------------------------------------------------------------------------


def _nothing_stored() -> bool:
    return not DeathMessage.objects.exists() and not DeathNotice.objects.exists()


def test_a_tampered_message_is_refused_and_logged_without_personal_data(
    tmp_path: Path, worker: Worker, caplog: pytest.LogCaptureFixture
):
    registry = _registry_client(tmp_path)
    envelope = _envelope(tmp_path, (worker.nik, DIED_ON))
    tampered = copy.deepcopy(envelope)
    tampered["message"]["notify_event"][0]["data"]["reg_records"]["death_date"] = "2026-10-01"

    with caplog.at_level(logging.WARNING):
        answer = _post(registry, tampered)

    assert answer.status_code == 401
    assert answer["Content-Type"] == "application/problem+json"
    assert answer.json()["type"] == "urn:lindung:problem:dci-signature"
    assert _nothing_stored()
    refusals = [r for r in caplog.records if r.getMessage() == "dci.notify.refused"]
    assert [getattr(r, "reason", None) for r in refusals] == ["signature.invalid"]
    assert worker.nik not in caplog.text and "Ahmad" not in caplog.text


def test_an_expired_signature_and_an_old_or_future_message_are_refused(tmp_path: Path, worker: Worker):
    registry = _registry_client(tmp_path)
    hour_ago = timezone.now() - dt.timedelta(hours=1)

    expired = _envelope(tmp_path, (worker.nik, DIED_ON), now=hour_ago)
    assert _post(registry, expired).status_code == 401

    # A fresh signature over a message whose message_ts is an hour old, or an hour ahead.
    key = load_or_create_private_key(_registry_key(tmp_path))
    for moment in (hour_ago, timezone.now() + dt.timedelta(hours=1)):
        stale = _envelope(tmp_path, (worker.nik, DIED_ON))
        stale["header"]["message_ts"] = moment.isoformat()
        resigned = signed_envelope(stale["header"], stale["message"], key=key, sender_id="dukcapil.simulator")
        answer = _post(registry, resigned)
        assert answer.status_code == 401
        assert answer.json()["type"] == "urn:lindung:problem:dci-message-time"
    assert _nothing_stored()


def test_a_signature_by_a_key_not_registered_for_the_client_is_refused(tmp_path: Path, worker: Worker):
    registry = _registry_client(tmp_path)
    other_key = tmp_path / "someone-else.pem"

    answer = _post(registry, notify_envelope([(worker.nik, DIED_ON)], key_file=other_key))

    assert answer.status_code == 401
    assert _nothing_stored()


def test_a_client_without_the_scope_or_a_key_cannot_notify(tmp_path: Path, worker: Worker):
    reader = _registry_client(tmp_path, scopes=("registry.read",), name="Pembaca")
    assert _post(reader, _envelope(tmp_path, (worker.nik, DIED_ON))).status_code == 403
    unsigned = _envelope(tmp_path, (worker.nik, DIED_ON))
    unsigned["signature"] = ""
    assert _post(_registry_client(tmp_path, name="Dukcapil 2"), unsigned).status_code == 401
    assert _nothing_stored()


def test_lindung_publishes_its_key_made_on_first_use_readable_by_its_owner_only(settings: Any):
    answer = Client().get("/.well-known/jwks.json")

    assert answer.status_code == 200
    (key,) = answer.json()["keys"]
    assert {key["kty"], key["crv"], key["alg"], key["use"]} == {"OKP", "Ed25519", "EdDSA", "sig"}
    assert "d" not in key and key["kid"]
    path = Path(settings.LINDUNG_DCI_SIGNING_KEY_FILE)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Client().get("/.well-known/jwks.json").json()["keys"] == [key]  # the same key on every request


# --- the simulator -------------------------------------------------------------------------------------------


def test_the_simulator_emits_a_signed_notification_that_lindung_accepts(tmp_path: Path, worker: Worker):
    registry = _registry_client(tmp_path)
    jwk_out = io.StringIO()
    call_command("simulate", "dukcapil", "--key", str(_registry_key(tmp_path)), "--jwk", stdout=jwk_out)
    assert json.loads(jwk_out.getvalue())["crv"] == "Ed25519"
    out = io.StringIO()

    call_command(
        "simulate", "dukcapil", "--key", str(_registry_key(tmp_path)), "--death", f"{worker.nik}={DIED_ON}", stdout=out
    )

    answer = _post(registry, json.loads(out.getvalue()))
    assert answer.status_code == 200
    assert DeathNotice.objects.get().worker_id == worker.pk


def test_the_queue_speaks_indonesian_by_default(tmp_path: Path, cast: Cast, worker: Worker):
    _post(_registry_client(tmp_path), _envelope(tmp_path, (worker.nik, DIED_ON)))
    notice = DeathNotice.objects.get()
    operator = client_for(cast["operator_sambas"], language="id")

    queue = operator.get("/kematian/").content.decode()
    page = operator.get(f"/kematian/{notice.pk}/").content.decode()

    assert "Laporan kematian" in queue and "Menunggu pemeriksaan" in queue
    assert "Konfirmasi kematian" in page and "Ahli waris yang tercatat" in page
