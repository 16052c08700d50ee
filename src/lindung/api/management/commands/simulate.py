"""``lindung simulate dukcapil``: a stand-in for the civil registry, for the tests and the demo.

It holds its own Ed25519 key (``--key FILE``, made 0600 when missing) and, for the deaths given as
``--death NIK=YYYY-MM-DD``:

- prints the signed DCI CRVS ``notify`` envelope (the default), or POSTs it to ``--url`` with ``--token`` and
  prints Lindung's acknowledgement;
- with ``--jwk``, prints only its public key (JWK), to register on the API client it sends as;
- with ``--people-file FILE``, writes the file the file adapter (``LINDUNG_DUKCAPIL_FILE``) reads, adding
  ``--person NIK=NAME=YYYY-MM-DD`` (name and birth date) for NIK checks.
"""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lindung.api.dci.signing import load_or_create_private_key, public_jwk, signed_envelope

SENDER_ID = "dukcapil.simulator"


def notify_envelope(
    deaths: list[tuple[str, dt.date]],
    *,
    key_file: Path,
    sender_id: str = SENDER_ID,
    message_id: str | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """A signed CRVS notify message reporting ``deaths`` (NIK, date of death), one event per death."""
    key = load_or_create_private_key(key_file)
    now = now or timezone.now()
    stamp = now.isoformat(timespec="seconds")
    header = {
        "version": "1.0.0",
        "message_id": message_id or str(uuid.uuid4()),
        "message_ts": stamp,
        "action": "notify",
        "status": "succ",
        "sender_id": sender_id,
        "total_count": len(deaths),
        "is_msg_encrypted": False,
    }
    message = {
        "transaction_id": str(uuid.uuid4()),
        "notify_event": [
            {
                "reference_id": f"{number}",
                "timestamp": stamp,
                "data": {
                    "version": "1.0.0",
                    "reg_type": "ns:org:RegistryType:Civil",
                    "reg_event_type": "death",
                    "reg_record_type": "spdci-extensions-dci:Person",
                    "reg_records": {
                        "identifier": [{"identifier_type": "NIK", "identifier_value": nik}],
                        "death_date": died_on.isoformat(),
                    },
                },
            }
            for number, (nik, died_on) in enumerate(deaths, start=1)
        ],
    }
    return signed_envelope(header, message, key=key, sender_id=sender_id, now=now)


def _pair(value: str, what: str) -> tuple[str, str]:
    nik, sep, rest = value.partition("=")
    if not sep or not nik.strip() or not rest.strip():
        raise CommandError(f"{what}: expected NIK={'NAME=YYYY-MM-DD' if what == '--person' else 'YYYY-MM-DD'}")
    return nik.strip(), rest.strip()


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{what}: {value!r} is not a date YYYY-MM-DD") from None


class Command(BaseCommand):
    help = "Simulate a system around Lindung (for tests and the demo)."

    def add_arguments(self, parser: CommandParser) -> None:
        systems = parser.add_subparsers(dest="system", required=True)
        dukcapil = systems.add_parser("dukcapil", help="The civil registry: signed death notifications, a people file")
        dukcapil.add_argument(
            "--key", type=Path, required=True, help="the simulator's Ed25519 key (PEM); made if missing"
        )
        dukcapil.add_argument("--death", action="append", default=[], metavar="NIK=YYYY-MM-DD")
        dukcapil.add_argument("--person", action="append", default=[], metavar="NIK=NAME=YYYY-MM-DD")
        dukcapil.add_argument("--sender-id", default=SENDER_ID)
        dukcapil.add_argument("--message-id", default=None, help="default: a new UUID")
        dukcapil.add_argument("--jwk", action="store_true", help="print the public key (JWK) and stop")
        dukcapil.add_argument("--people-file", type=Path, help="write the file adapter's file instead of a message")
        dukcapil.add_argument("--url", help="POST the message to this notify address (…/api/v1/dci/crvs/notify)")
        dukcapil.add_argument("--token", default="", help="the bearer token for --url")

    def handle(self, *args: Any, **options: Any) -> None:
        key_file: Path = options["key"]
        if options["jwk"]:
            self.stdout.write(json.dumps(public_jwk(load_or_create_private_key(key_file))))
            return
        deaths = [(nik, _date(day, "--death")) for nik, day in (_pair(v, "--death") for v in options["death"])]
        if options["people_file"]:
            self._people_file(options["people_file"], deaths, options["person"])
            return
        if not deaths:
            raise CommandError("give at least one --death NIK=YYYY-MM-DD")
        envelope = notify_envelope(
            deaths, key_file=key_file, sender_id=options["sender_id"], message_id=options["message_id"]
        )
        if not options["url"]:
            self.stdout.write(json.dumps(envelope))
            return
        if not options["url"].startswith(("http://", "https://")):
            raise CommandError("--url must be an http(s) address")
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked above
            options["url"],
            data=json.dumps(envelope).encode(),
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {options['token']}"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                self.stdout.write(response.read().decode())
        except urllib.error.HTTPError as exc:
            raise CommandError(f"Lindung answered {exc.code}: {exc.read().decode(errors='replace')[:500]}") from None
        except OSError as exc:
            raise CommandError(f"cannot reach {options['url']}: {exc}") from None

    def _people_file(self, path: Path, deaths: list[tuple[str, dt.date]], persons: list[str]) -> None:
        people: dict[str, dict[str, str]] = {}
        for value in persons:
            nik, rest = _pair(value, "--person")
            name, sep, birth = rest.rpartition("=")
            if not sep or not name:
                raise CommandError("--person: expected NIK=NAME=YYYY-MM-DD")
            people[nik] = {"nik": nik, "name": name, "birth_date": _date(birth, "--person").isoformat()}
        for nik, died_on in deaths:
            people.setdefault(nik, {"nik": nik})["death_date"] = died_on.isoformat()
        path.write_text(json.dumps({"people": list(people.values())}, indent=1), encoding="utf-8")
        self.stdout.write(f"{len(people)} people written to {path}")
