"""Synthetic people for the demo: plausible Kalimantan Barat workers, built fast and reproducibly.

Faker is slow per call, so ``NamePools`` asks it once for pools of names and streets and the
``WorkerFactory`` combines them with a seeded ``random.Random``: the same seed gives the same
people, and 75,000 workers with their heirs take a few seconds.

Nothing here touches the database; ``lindung.demo.services`` writes what this module builds. Rows
are named tuples rather than model instances: building ~236,000 ``Model`` objects alone would take
longer than writing them.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from faker import Faker

from lindung.demo.clock import at
from lindung.enrolments.models import EndReason, Status
from lindung.regions.codes import district_of, province_of, regency_of
from lindung.workers.models import HeirRelation, OccupationCategory, Sex

# Approximate population of Kalbar's regencies/cities in thousands (BPS 2022); quotas and the
# synthetic workers are spread by these weights.
REGENCY_WEIGHTS: dict[str, int] = {
    "61.01": 642,  # Sambas
    "61.02": 302,  # Mempawah
    "61.03": 490,  # Sanggau
    "61.04": 580,  # Ketapang
    "61.05": 430,  # Sintang
    "61.06": 260,  # Kapuas Hulu
    "61.07": 270,  # Bengkayang
    "61.08": 400,  # Landak
    "61.09": 215,  # Sekadau
    "61.10": 210,  # Melawi
    "61.11": 120,  # Kayong Utara
    "61.12": 610,  # Kubu Raya
    "61.71": 665,  # Kota Pontianak
    "61.72": 240,  # Kota Singkawang
}

# Share of each occupation (percent) and of women in it. The seed article's 2023 Kalbar programme
# covered 29,000 religious workers out of 75,489, hence the large KEAGAMAAN share.
OCCUPATION_SHARES: dict[str, tuple[int, float]] = {
    "KEAGAMAAN": (30, 0.15),
    "RT_RW": (14, 0.12),
    "TOKOH_MASYARAKAT": (5, 0.20),
    "BPD": (5, 0.30),
    "PETANI": (18, 0.35),
    "NELAYAN": (6, 0.05),
    "DAMKAR": (3, 0.05),
    "RELAWAN": (3, 0.40),
    "UMKM": (10, 0.60),
    "LAINNYA": (6, 0.45),
}

# Ages relative to the running programme's year Y (the demo's today's): under 65 when Y's programme
# registers them, at least 17 when the ended programme of Y - 3 did; children born by Y - 4.
AGE_OLDEST = 64
AGE_YOUNGEST_ENDED = 18  # born by the end of Y - 21: 17 or older all through Y - 3
ENDED_PROGRAMME_YEARS_BACK = 3


# The year the benchmarks' workers are made for (bench/); the demo passes its today's.
BENCH_YEAR = 2026


def birth_range(year: int) -> tuple[dt.date, dt.date]:
    """The workers' birth dates for a demo whose running programme is of ``year``."""
    return dt.date(year - AGE_OLDEST, 1, 1), dt.date(year - ENDED_PROGRAMME_YEARS_BACK - AGE_YOUNGEST_ENDED, 12, 31)


# Mobile prefixes after +62 8: Telkomsel 11-13, 21-23, 51-53; Indosat 14-16, 55-58; XL 17-19, 59, 77-78;
# Smartfren 81-89; Tri 95-99.
_MOBILE_PREFIXES = tuple(
    str(n) for n in (*range(11, 20), *range(21, 24), *range(51, 60), 77, 78, *range(81, 90), *range(95, 100))
)
# Hamlet (dusun) names as they sound along Kalbar's rivers: "Dusun Sungai Jaya", "Dusun Parit Baru".
# fmt: off
_DUSUN_FIRST = ("Sungai", "Parit", "Tanjung", "Teluk", "Pasir", "Batu", "Sei", "Kampung", "Nanga", "Simpang",
                "Padang", "Bukit")
_DUSUN_SECOND = ("Baru", "Jaya", "Makmur", "Mulya", "Sejahtera", "Harapan", "Damai", "Indah", "Raya", "Permai",
                 "Lestari", "Tengah", "Hulu", "Hilir")
# fmt: on

REJECTION_REASONS = (
    "NIK tidak ditemukan dalam data Dukcapil",
    "Nama dan tanggal lahir tidak sesuai dengan data Dukcapil",
    "Sudah diusulkan oleh kabupaten/kota lain",
    "Sudah terdaftar sebagai peserta BPU mandiri yang aktif",
    "Pekerjaan tidak termasuk kategori pekerja rentan",
)

# 2026 statuses, in percent: workers carried over from 2023 were re-registered at once, so nearly
# all are active; new workers are spread over the proposal pipeline.
CARRIED_STATUS_SHARES: dict[str, int] = {Status.ACTIVE.value: 95, Status.ENDED.value: 5}
NEW_STATUS_SHARES: dict[str, int] = {
    Status.PROPOSED.value: 35,
    Status.VERIFIED.value: 20,
    Status.SENT.value: 15,
    Status.REJECTED.value: 15,
    Status.ACTIVE.value: 15,
}
_END_REASONS = (EndReason.DIED.value, EndReason.MOVED_AWAY.value, EndReason.WITHDREW.value)
_END_REASON_WEIGHTS = (40, 40, 20)


def allocate(total: int, weights: Mapping[str, int]) -> dict[str, int]:
    """Split ``total`` over the keys in proportion to ``weights`` so that the parts sum exactly.

    Largest-remainder (Hamilton) method: every key gets the floor of its exact share, and the
    leftover units go to the largest fractional parts (ties broken by key, so the result is stable).
    A part never exceeds the ceiling of its exact share, so allocating N ≤ T by the parts of T keeps
    each part within its quota.
    """
    weight_sum = sum(weights.values())
    if weight_sum <= 0:
        raise ValueError("weights must have a positive sum")
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    parts = {key: int(share) for key, share in exact.items()}
    leftover = total - sum(parts.values())
    for key in sorted(exact, key=lambda k: (-(exact[k] - parts[k]), k))[:leftover]:
        parts[key] += 1
    return parts


@dataclass(frozen=True)
class Village:
    code: str  # dotted, e.g. 61.01.01.2001
    name: str
    kind: str  # desa / kelurahan
    district_name: str
    regency_name: str


class WorkerRow(NamedTuple):
    """A ``Worker`` row; the tuple fields are the model's attribute names, in insert order."""

    nik: str
    name: str
    birth_place: str
    birth_date: dt.date
    sex: str
    address: str
    phone: str
    occupation_id: int
    kk_number: str
    mother_maiden_name: str
    village_id: str
    province_code: str
    regency_code: str


class HeirRow(NamedTuple):
    """A ``Heir`` row without its worker (the caller knows the worker's id once it is saved)."""

    name: str
    relation: str
    nik: str
    phone: str


@dataclass(frozen=True)
class NamePools:
    """What Faker (id_ID) knows, asked once: combining these by hand is ~100 times faster."""

    male_first: tuple[str, ...]
    female_first: tuple[str, ...]
    male_last: tuple[str, ...]
    female_last: tuple[str, ...]
    streets: tuple[str, ...]
    cities: tuple[str, ...]

    @classmethod
    def build(cls, seed: int) -> NamePools:
        fake = Faker("id_ID")
        fake.seed_instance(seed)

        def pool(make: Callable[[], str], draws: int) -> tuple[str, ...]:
            # Sorted: a set's order varies between processes, which would break the seed's promise.
            return tuple(sorted({make() for _ in range(draws)}))

        return cls(
            male_first=pool(fake.first_name_male, 3000),
            female_first=pool(fake.first_name_female, 2000),
            male_last=pool(fake.last_name_male, 1000),
            female_last=pool(fake.last_name_female, 1000),
            streets=pool(fake.street_name, 3000),
            # Faker's "Kota Administrasi Jakarta Pusat" is a place, not what a KTP says as birthplace
            cities=tuple(c.removeprefix("Kota Administrasi ") for c in pool(fake.city, 1000)),
        )


class NikIssuer:
    """Structurally valid, unique NIKs: district (6) + birth date DDMMYY, day + 40 for women (6) + serial (4).

    Keeps the last serial of every 12-digit prefix, as Dukcapil does, so two people never share a NIK.
    """

    def __init__(self) -> None:
        self._last_serial: dict[str, int] = {}

    def issue(self, *, district_code: str, birth_date: dt.date, sex: str) -> str:
        day = birth_date.day + (40 if sex == Sex.FEMALE else 0)
        prefix = f"{district_code.replace('.', '')}{day:02d}{birth_date:%m%y}"
        serial = self._last_serial.get(prefix, 0) + 1
        if serial > 9999:
            raise ValueError(f"no NIK serial left for prefix {prefix}")
        self._last_serial[prefix] = serial
        return f"{prefix}{serial:04d}"


class KpjIssuer:
    """11-digit BPJS membership numbers (KPJ), unique per issuer: registration year + 61 + sequence."""

    def __init__(self, *, year: int, start: int) -> None:
        self._prefix = f"{year % 100:02d}61"
        self._next = start

    def issue(self) -> str:
        self._next += 1
        return f"{self._prefix}{self._next:07d}"


_MALE, _FEMALE = Sex.MALE.value, Sex.FEMALE.value


class WorkerFactory:
    """Builds ``WorkerRow``/``HeirRow`` tuples from the pools with one seeded random generator."""

    def __init__(
        self,
        *,
        seed: int,
        pools: NamePools,
        categories: Sequence[OccupationCategory],
        year: int = BENCH_YEAR,
    ) -> None:
        self.rng = random.Random(seed)
        self.pools = pools
        self.birth_first, self.birth_last = birth_range(year)
        self.last_child_year = year - ENDED_PROGRAMME_YEARS_BACK - 1
        self.niks = NikIssuer()
        # Admin-added categories get a small share; seeded ones keep theirs.
        shares = [OCCUPATION_SHARES.get(c.code, (1, 0.3)) for c in categories]
        self._categories = [(c.pk, female) for c, (_, female) in zip(categories, shares, strict=True)]
        self._category_cum_weights = list(itertools.accumulate(weight for weight, _ in shares))

    def name(self, sex: str) -> str:
        rng, pools = self.rng, self.pools
        male = sex == _MALE
        first = rng.choice(pools.male_first if male else pools.female_first)
        # Many Indonesians carry a single name; the rest a second one.
        if rng.random() < 0.35:
            return first
        return f"{first} {rng.choice(pools.male_last if male else pools.female_last)}"

    def phone(self) -> str:
        rng = self.rng
        return f"+628{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(10**7, 10**9)}"

    def birth_date(self, *, earliest: dt.date | None = None, latest: dt.date | None = None) -> dt.date:
        earliest, latest = earliest or self.birth_first, latest or self.birth_last
        return earliest + dt.timedelta(days=self.rng.randint(0, (latest - earliest).days))

    def moment(self, first: dt.date, last: dt.date) -> dt.datetime:
        """An office-hours moment on a day from ``first`` to ``last`` (``first`` when ``last`` is earlier)."""
        rng = self.rng
        day = first + dt.timedelta(days=rng.randint(0, max((last - first).days, 0)))
        return at(day, rng.randint(8, 15), rng.randrange(0, 60, 5))

    def address(self, village: Village) -> str:
        rng = self.rng
        rt_rw = f"RT {rng.randint(1, 12):03d}/RW {rng.randint(1, 6):03d}"
        if village.kind == "kelurahan" or rng.random() < 0.4:
            return f"{rng.choice(self.pools.streets)} No. {rng.randint(1, 150)}, {rt_rw}"
        return f"Dusun {rng.choice(_DUSUN_FIRST)} {rng.choice(_DUSUN_SECOND)}, {rt_rw}"

    def birth_place(self, village: Village) -> str:
        draw = self.rng.random()
        if draw < 0.65:
            return village.district_name
        if draw < 0.85:
            return village.regency_name.removeprefix("Kabupaten ").removeprefix("Kota ")
        return self.rng.choice(self.pools.cities)  # born elsewhere in Indonesia

    def kk_number(self, district_code: str) -> str:
        # A KK number has the NIK's layout with the card's issue date in place of a birth date.
        issued = self.birth_date(
            earliest=dt.date(self.birth_last.year, 1, 1), latest=dt.date(self.last_child_year, 12, 31)
        )
        return f"{district_code.replace('.', '')}{issued:%d%m%y}{self.rng.randint(1, 9999):04d}"

    def worker(self, village: Village) -> WorkerRow:
        rng = self.rng
        category_id, female_share = rng.choices(self._categories, cum_weights=self._category_cum_weights)[0]
        sex = _FEMALE if rng.random() < female_share else _MALE
        birth_date = self.birth_date()
        district = district_of(village.code)
        mother = rng.choice(self.pools.female_first)
        if rng.random() < 0.5:
            mother = f"{mother} {rng.choice(self.pools.female_last)}"
        return WorkerRow(
            nik=self.niks.issue(district_code=district, birth_date=birth_date, sex=sex),
            name=self.name(sex),
            birth_place=self.birth_place(village),
            birth_date=birth_date,
            sex=sex,
            address=self.address(village),
            phone=self.phone() if rng.random() < 0.9 else "",
            occupation_id=category_id,
            kk_number=self.kk_number(district),
            mother_maiden_name=mother,
            village_id=village.code,
            # What RegionStamped.stamp_region() derives, without building a model instance.
            province_code=province_of(village.code),
            regency_code=regency_of(village.code),
        )

    def heirs(self, worker: WorkerRow) -> list[HeirRow]:
        """A spouse and children for about a third of the workers."""
        rng = self.rng
        if rng.random() >= 0.35:
            return []
        district = district_of(worker.village_id)
        heirs = []
        if rng.random() < 0.85:
            sex = _FEMALE if worker.sex == _MALE else _MALE
            birth = self._near(worker.birth_date, years=8)
            heirs.append(self._heir(HeirRelation.SPOUSE.value, sex, birth, district))
        first_child = worker.birth_date.year + 20
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            if first_child > self.last_child_year:
                break
            birth = self.birth_date(
                earliest=dt.date(first_child, 1, 1),
                latest=dt.date(min(self.last_child_year, first_child + 20), 12, 31),
            )
            heirs.append(self._heir(HeirRelation.CHILD.value, rng.choice((_MALE, _FEMALE)), birth, district))
        return heirs

    def _near(self, day: dt.date, *, years: int) -> dt.date:
        shifted = day + dt.timedelta(days=self.rng.randint(-365 * years, 365 * years))
        return min(max(shifted, self.birth_first - dt.timedelta(days=365 * 12)), self.birth_last)

    def _heir(self, relation: str, sex: str, birth: dt.date, district: str) -> HeirRow:
        return HeirRow(
            name=self.name(sex),
            relation=relation,
            # Family members live in the worker's household, so their NIKs carry the same district.
            nik=self.niks.issue(district_code=district, birth_date=birth, sex=sex),
            phone=self.phone() if relation == HeirRelation.SPOUSE and self.rng.random() < 0.6 else "",
        )

    def status_plan(self, total: int, shares: Mapping[str, int]) -> list[str]:
        """``total`` statuses in exactly the given proportions, shuffled."""
        plan = [status for status, count in allocate(total, shares).items() for _ in range(count)]
        self.rng.shuffle(plan)
        return plan

    def coverage_start(self, year: int, month_weights: Sequence[int]) -> dt.date:
        month = self.rng.choices(range(1, len(month_weights) + 1), weights=month_weights)[0]
        return dt.date(year, month, 1)

    def end_reason(self) -> str:
        return self.rng.choices(_END_REASONS, weights=_END_REASON_WEIGHTS)[0]

    def rejection_reason(self) -> str:
        return self.rng.choice(REJECTION_REASONS)
