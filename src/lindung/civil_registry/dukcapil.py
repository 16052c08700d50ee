"""The population registry (Dukcapil) behind one interface: check a NIK with a name and a birth date, and fetch
the deaths recorded since a day.

No Indonesian agency exposes the DCI standard today; Dukcapil grants NIK verification under a cooperation
agreement (PKS, Permendagri 102/2019). So Lindung keeps it behind this adapter:

- ``SimulatedDukcapil`` holds its people in memory (the demo's registry); ``FileDukcapil`` reads a JSON file,
  ``{"people": [{"nik", "name", "birth_date", "death_date"?}]}``: what
  ``lindung simulate dukcapil --people-file`` writes, and what an office can export from an agreed data exchange;
- ``HttpDukcapil`` calls ``LINDUNG_DUKCAPIL_URL`` with the bearer token in ``LINDUNG_DUKCAPIL_TOKEN_FILE``:
  ``POST {url}/nik/verify`` with ``{nik, name, birth_date}`` answering ``{found, name_matches,
  birth_date_matches, dead}``, and ``GET {url}/deaths?since=YYYY-MM-DD`` answering ``{"deaths": [{nik,
  death_date}]}``. These shapes are Lindung's until an agreement fixes the real ones: a thin gateway at the
  agreement's end translates.

``dukcapil_configured()`` is the one the settings name (the URL first, then the file), None when neither is set.
``deaths_fetch`` files each death as a pending notice (``death_notice_receive``), once per death: fetching the
same days again changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from lindung.civil_registry.models import DeathSource
from lindung.civil_registry.services import DeathEvent, Received, death_notice_receive


class DukcapilError(Exception):
    """The registry could not be asked (unreachable, refused, an answer of the wrong shape)."""


@dataclass(frozen=True)
class NikCheck:
    found: bool
    name_matches: bool = False
    birth_date_matches: bool = False
    dead: bool = False

    @property
    def matches(self) -> bool:
        return self.found and self.name_matches and self.birth_date_matches


@dataclass(frozen=True)
class Death:
    nik: str
    died_on: dt.date


class Dukcapil(Protocol):
    def verify_nik(self, nik: str, name: str, birth_date: dt.date) -> NikCheck: ...

    def deaths_since(self, since: dt.date) -> list[Death]: ...


_SPACES = re.compile(r"\s+")


def same_name(a: str, b: str) -> bool:
    """Names compared as Dukcapil's own check does: case and spacing aside."""
    return _SPACES.sub(" ", a).strip().casefold() == _SPACES.sub(" ", b).strip().casefold()


def _day(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


class SimulatedDukcapil:
    """A registry held in memory, ``[{"nik", "name", "birth_date", "death_date"?}]``: the demo's civil registry."""

    def __init__(self, people: list[dict[str, Any]]) -> None:
        self.people = people

    def _people(self) -> list[dict[str, Any]]:
        return self.people

    def verify_nik(self, nik: str, name: str, birth_date: dt.date) -> NikCheck:
        for person in self._people():
            if str(person.get("nik", "")) == nik:
                return NikCheck(
                    found=True,
                    name_matches=same_name(str(person.get("name", "")), name),
                    birth_date_matches=_day(person.get("birth_date")) == birth_date,
                    dead=_day(person.get("death_date")) is not None,
                )
        return NikCheck(found=False)

    def deaths_since(self, since: dt.date) -> list[Death]:
        deaths = []
        for person in self._people():
            died_on = _day(person.get("death_date"))
            if died_on is not None and died_on >= since:
                deaths.append(Death(nik=str(person.get("nik", "")), died_on=died_on))
        return deaths


class FileDukcapil(SimulatedDukcapil):
    """The same registry read from a JSON file, ``{"people": [...]}``, at each question."""

    def __init__(self, path: Path | str) -> None:
        super().__init__([])
        self.path = Path(path)

    def _people(self) -> list[dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DukcapilError(f"cannot read {self.path}: {exc.__class__.__name__}") from None
        people = data.get("people") if isinstance(data, dict) else None
        if not isinstance(people, list):
            raise DukcapilError(f"{self.path} holds no list 'people'")
        return [person for person in people if isinstance(person, dict)]


class HttpDukcapil:
    def __init__(self, url: str, *, token: str = "", timeout: int = 10) -> None:
        if not url.startswith(("https://", "http://")):
            raise DukcapilError("LINDUNG_DUKCAPIL_URL must be an http(s) address")
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _call(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(  # noqa: S310 - the scheme is checked in __init__
            self.url + path,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Accept": "application/json", "Content-Type": "application/json"}
            | ({"Authorization": f"Bearer {self.token}"} if self.token else {}),
            method="POST" if body is not None else "GET",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer = json.loads(response.read(10_000_000))
        except (OSError, ValueError) as exc:
            raise DukcapilError(f"Dukcapil did not answer: {exc.__class__.__name__}") from None
        if not isinstance(answer, dict):
            raise DukcapilError("Dukcapil's answer is not a JSON object")
        return answer

    def verify_nik(self, nik: str, name: str, birth_date: dt.date) -> NikCheck:
        answer = self._call("/nik/verify", {"nik": nik, "name": name, "birth_date": birth_date.isoformat()})
        return NikCheck(
            found=bool(answer.get("found")),
            name_matches=bool(answer.get("name_matches")),
            birth_date_matches=bool(answer.get("birth_date_matches")),
            dead=bool(answer.get("dead")),
        )

    def deaths_since(self, since: dt.date) -> list[Death]:
        answer = self._call("/deaths?" + urllib.parse.urlencode({"since": since.isoformat()}))
        deaths = []
        for row in answer.get("deaths") or []:
            died_on = _day(row.get("death_date")) if isinstance(row, dict) else None
            if died_on is not None:
                deaths.append(Death(nik=str(row.get("nik", "")), died_on=died_on))
        return deaths


def dukcapil_configured() -> Dukcapil | None:
    url = str(settings.LINDUNG_DUKCAPIL_URL or "")
    if url:
        token_file = str(settings.LINDUNG_DUKCAPIL_TOKEN_FILE or "")
        token = Path(token_file).read_text(encoding="utf-8").strip() if token_file else ""
        return HttpDukcapil(url, token=token, timeout=int(settings.LINDUNG_DUKCAPIL_TIMEOUT_SECONDS))
    path = str(settings.LINDUNG_DUKCAPIL_FILE or "")
    if path:
        return FileDukcapil(path)
    return None


def _message_id(death: Death) -> str:
    """One message per death, named without the NIK: the same death fetched again is the same message."""
    return "dukcapil-" + hashlib.sha256(f"{death.nik}|{death.died_on.isoformat()}".encode()).hexdigest()[:40]


def deaths_fetch(adapter: Dukcapil, since: dt.date) -> list[Received]:
    """File the deaths recorded since ``since`` as pending notices (the server's own act: no actor)."""
    received = []
    for death in adapter.deaths_since(since):
        event = DeathEvent(
            reference_id="1",
            nik=death.nik,
            died_on=death.died_on,
            record={"death_date": death.died_on.isoformat(), "source": "dukcapil"},
        )
        received.append(
            death_notice_receive(actor=None, message_id=_message_id(death), events=[event], source=DeathSource.DUKCAPIL)
        )
    return received
