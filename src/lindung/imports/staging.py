"""The staging table of an upload: its clean rows, checked and written with set-based SQL.

The rows that survive cleaning stream into a temporary table (PostgreSQL: psycopg 3 ``COPY``; SQLite:
``executemany``) in chunks, so that the file is never held in memory. The checks against the registry
are then joins between this table and the real ones (the rule set's set forms, run by ``checks``), and the
writes are ``INSERT ... SELECT`` from it: workers, heirs, enrolments and their audit entries, with no row
passing back through Python. A temporary table belongs to the database session and disappears with it, so a
killed process leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from itertools import batched
from typing import Any

from django.db import connection

from lindung.bulk import rows_insert
from lindung.enrolments.models import Status
from lindung.imports.rows import Candidate
from lindung.workers.registration import look_alike_sql

TABLE = "lindung_import_rows"
FLUSH_ROWS = 10_000  # rows sent to the staging table at a time
HASH_JOIN_ROWS = 20_000  # from this many staged rows, the joins by (regency, birth date) are hashed
_IN_CHUNK = 900  # parameters per IN (...): under SQLite's default limit
# (column, type) in ``Candidate.staging_row`` order; ``worker_id`` and ``is_new`` are filled by the checks.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("row_number", "integer NOT NULL"),
    ("nik", "varchar(16) NOT NULL"),
    ("nik_masked", "varchar(16) NOT NULL"),
    ("name", "varchar(150) NOT NULL"),
    ("birth_place", "varchar(100) NOT NULL"),
    ("birth_date", "date NOT NULL"),
    ("sex", "varchar(1) NOT NULL"),
    ("address", "varchar(250) NOT NULL"),
    ("village_code", "varchar(13) NOT NULL"),
    ("province_code", "varchar(2) NOT NULL"),
    ("regency_code", "varchar(5) NOT NULL"),
    ("phone", "varchar(16) NOT NULL"),
    ("occupation_id", "integer NOT NULL"),
    ("declared_income", "bigint NOT NULL"),
    ("kk_number", "varchar(16) NOT NULL"),
    ("mother_maiden_name", "varchar(150) NOT NULL"),
    ("heir_name", "varchar(150) NOT NULL"),
    ("heir_relation", "varchar(16) NOT NULL"),
    ("heir_nik", "varchar(16) NOT NULL"),
    ("heir_phone", "varchar(16) NOT NULL"),
    ("too_old", "integer NOT NULL"),
    ("confirmed", "integer NOT NULL"),
    ("privacy_notice_id", "integer NOT NULL"),
)
_NAMES = ", ".join(name for name, _ in COLUMNS)
# The worker's columns that the staging table holds under the same names.
_WORKER_COLUMNS = (
    "province_code, regency_code, village_code, nik, name, birth_place, birth_date, sex, address, phone,"
    " occupation_id, declared_income, kk_number, mother_maiden_name, privacy_notice_id"
)
# ``workers.nik.nik_mask`` of a 16-digit NIK (the table's check), in SQL: 4 digits, 6 stars, 6 digits.
_MASKED_NIK_SQL = "left(w.nik, 4) || '******' || right(w.nik, 6)"
_AUDIT_COLUMNS = "at, actor_id, actor_username, action, object_type, object_id, region_code, changes, note"
PROPOSED = str(Status.PROPOSED)


def _postgres() -> bool:
    return connection.vendor == "postgresql"


class Staging:
    """The temporary table of one upload; ``with Staging() as staging:`` drops it however the block ends."""

    def __init__(self) -> None:
        self._pending: list[tuple[Any, ...]] = []
        self.rows = 0

    def __enter__(self) -> Staging:
        columns = ", ".join(f"{name} {kind}" for name, kind in COLUMNS)
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {TABLE} ({columns}, worker_id bigint NULL, is_new integer NOT NULL DEFAULT 1)"
            )
        return self

    def __exit__(self, *exc: object) -> None:
        self._pending.clear()
        if connection.needs_rollback or (connection.connection is None):
            return  # the transaction is broken or gone: the table goes with the session or the rollback
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")

    # Loading

    def add(self, candidate: Candidate) -> None:
        self._pending.append(candidate.staging_row())
        if len(self._pending) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        self.rows += len(rows)
        rows_insert(TABLE, [name for name, _type in COLUMNS], rows)

    def ready(self) -> None:
        """After the last row: index the columns the checks look rows up by and give the planner statistics
        (autovacuum never analyses a temporary table). A large upload's joins are hashed on PostgreSQL (see
        ``_query``), which reads no index: there only the row number is indexed (``remove``)."""
        self.flush()
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE INDEX {TABLE}_row ON {TABLE} (row_number)")
            if not (_postgres() and self.rows >= HASH_JOIN_ROWS):
                cursor.execute(f"CREATE INDEX {TABLE}_nik ON {TABLE} (nik)")
                cursor.execute(f"CREATE INDEX {TABLE}_born ON {TABLE} (regency_code, birth_date)")
            if _postgres():
                cursor.execute(f"ANALYZE {TABLE}")

    # Checks (reads)

    def mark_registered(self) -> None:
        """Fill ``worker_id`` for the NIKs already registered; the others are new workers."""
        with self._hashed(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {TABLE} SET worker_id = w.id, is_new = 0 FROM workers_worker w WHERE w.nik = {TABLE}.nik"  # noqa: S608 - our table names; values bound
            )

    def registered(self, programme_id: int) -> Iterator[tuple[int, str, int, str, str, str | None, bool]]:
        """(row, row's regency, worker id, worker's village, worker's regency, status of the worker's enrolment
        in the programme or None, whether the worker's processing is restricted) of the registered NIKs."""
        yield from self._query(
            f"SELECT s.row_number, s.regency_code, w.id, w.village_code, w.regency_code,"  # noqa: S608 - our table names; values bound
            f" (SELECT e.status FROM enrolments_enrolment e WHERE e.worker_id = w.id AND e.programme_id = %s),"
            f" w.restricted_since IS NOT NULL"
            f" FROM {TABLE} s JOIN workers_worker w ON w.id = s.worker_id ORDER BY s.row_number",
            [programme_id],
            hash_join=True,  # a re-uploaded large file: every row is a registered worker
        )

    def new_niks(self) -> Iterator[tuple[int, str]]:
        """(row, NIK) of the rows whose NIK is not registered: new workers, or people registered before and since
        anonymised (``checks``: their keyed hashes)."""
        yield from self._query(
            f"SELECT row_number, nik FROM {TABLE} WHERE is_new = 1 ORDER BY row_number",  # noqa: S608 - our table names; values bound
            [],
        )

    def too_old(self) -> Iterator[tuple[int, dt.date]]:
        """(row, birth date) of the new workers the cleaning found too old (``registration.too_old``): the age
        limit applies to registration only, and whether a row registers a worker is known only now."""
        for row, birth_date in self._query(
            f"SELECT row_number, birth_date FROM {TABLE} WHERE is_new = 1 AND too_old = 1 ORDER BY row_number",  # noqa: S608 - our table names; values bound
            [],
        ):
            yield row, birth_date if isinstance(birth_date, dt.date) else dt.date.fromisoformat(birth_date)

    def look_alikes(self) -> Iterator[tuple[int, str, str, int]]:
        """(row, row's name, a registered worker's name and id) for each new, unconfirmed worker and each
        registered worker of the same regency born the same day: the candidates for a likely duplicate.

        In no particular order: a million-row upload has millions of candidates, of which a few hundred are
        alike; the caller orders those (sorting every candidate took as long as finding them)."""
        yield from self._query(
            f"SELECT s.row_number, s.name, w.name, w.id FROM {TABLE} s"  # noqa: S608 - our table names; values bound
            f" JOIN workers_worker w ON {look_alike_sql(new='s', registered='w')}"
            " WHERE s.is_new = 1 AND s.confirmed = 0",
            [],
            hash_join=True,
            stream=True,
        )

    def look_alikes_in_file(self) -> Iterator[tuple[int, str, str, int]]:
        """(row, row's name, an earlier row's name and number) for each new, unconfirmed worker and each earlier
        new worker of the file in the same regency born the same day: the same person typed twice under two
        NIKs. In no particular order (see ``look_alikes``)."""
        yield from self._query(
            f"SELECT s.row_number, s.name, a.name, a.row_number FROM {TABLE} s"  # noqa: S608 - our table names; values bound
            f" JOIN {TABLE} a ON {look_alike_sql(new='s', registered='a')} AND a.row_number < s.row_number"
            " WHERE s.is_new = 1 AND s.confirmed = 0 AND a.is_new = 1",
            [],
            hash_join=True,
            stream=True,
        )

    def rows_in_regencies(self, regencies: Sequence[str]) -> list[tuple[int, str]]:
        """(row, regency) of the rows in ``regencies``."""
        if not regencies:
            return []
        marks = ", ".join("%s" for _ in regencies)
        sql = f"SELECT row_number, regency_code FROM {TABLE} WHERE regency_code IN ({marks}) ORDER BY row_number"  # noqa: S608 - our table names; values bound
        return list(self._query(sql, list(regencies)))

    def regencies(self) -> list[str]:
        return [code for (code,) in self._query(f"SELECT DISTINCT regency_code FROM {TABLE}", [])]  # noqa: S608 - our table names; values bound

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM {TABLE}")  # noqa: S608 - our table names; values bound
            row = cursor.fetchone()
        return int(row[0]) if row else 0

    def remove(self, rows: Iterable[int]) -> None:
        """Drop rejected and skipped rows: what is left is written."""
        with connection.cursor() as cursor:
            for chunk in batched(sorted(rows), _IN_CHUNK):
                marks = ", ".join("%s" for _ in chunk)
                cursor.execute(f"DELETE FROM {TABLE} WHERE row_number IN ({marks})", list(chunk))  # noqa: S608 - our table names; values bound

    def _query(self, sql: str, params: list[Any], *, hash_join: bool = False, stream: bool = False) -> Iterator[Any]:
        """Rows of a read, fetched in blocks: a re-uploaded million-row file returns a million holders. On
        PostgreSQL through a server-side cursor, which a plain cursor is not: it would hold the whole result.

        ``hash_join``: for a join of a large upload with the registry by (regency, birth date). PostgreSQL
        prices probing an index once per row far below what its scattered heap reads cost (measured at a
        million rows over a million workers: 62 s as a nested loop, 16 s as a merge join, 4.8 s hashed), so
        for a large upload it is told to hash; a small one keeps the planner's choice, the probes.

        ``stream``: for a read whose rows the caller works through without querying meanwhile (the look-alike
        candidates: millions of pairs, each judged in Python). On PostgreSQL the query then runs to its end
        while the rows are judged, the database on one core and Python on the other, instead of waiting for
        each block to be asked for; the rows still arrive in blocks (libpq's chunked mode), never all at once."""
        if stream and _postgres():
            yield from self._stream(sql, params, hash_join=hash_join)
            return
        with connection.chunked_cursor() as cursor:
            with self._hashed() if hash_join else nullcontext():
                cursor.execute(sql, params)  # planned here: the settings can go back at once
            while block := cursor.fetchmany(5_000):
                yield from block

    def _stream(self, sql: str, params: list[Any], *, hash_join: bool) -> Iterator[Any]:
        with connection.cursor() as cursor, self._hashed() if hash_join else nullcontext():
            rows = cursor.cursor.stream(sql, params, size=5_000)
            try:
                yield from rows
            finally:
                rows.close()  # a stream left early is cancelled, so that the settings can be put back

    @contextmanager
    def _hashed(self, *, in_transaction: bool = False) -> Iterator[None]:
        """For a large upload on PostgreSQL, joins planned inside the block are hashed (see ``_query``).

        ``in_transaction``: the block runs inside the caller's transaction. The settings are then ``SET
        LOCAL``, and put back only if the block succeeds: after a failure the transaction refuses every
        statement until it is rolled back, and the rollback undoes them anyway."""
        if not (_postgres() and self.rows >= HASH_JOIN_ROWS):
            yield
            return
        scope = "LOCAL " if in_transaction else ""
        _planner(f"SET {scope}enable_nestloop = off", f"SET {scope}enable_mergejoin = off")
        try:
            yield
        except BaseException:
            if not in_transaction:
                _planner("RESET enable_nestloop", "RESET enable_mergejoin")
            raise
        _planner("RESET enable_nestloop", "RESET enable_mergejoin")

    # Writes (inside the caller's transaction)

    def write(self, *, actor_id: int, username: str, programme_id: int, programme_code: str, note: str) -> None:
        """Workers, heirs, proposed enrolments and one audit entry per worker and per enrolment.

        Rows go in sorted by (regency, name), so that most of the worker table's indexes (regency and name,
        province and name, regency and birth date, the NIK, which starts with the regency) take them in
        order instead of a page at a time at random: at a million rows 31 s instead of 55 s. Everything
        after the workers follows their ids. PostgreSQL does it in one statement whose steps pass their new
        rows on (``RETURNING`` in ``WITH``), so no step looks its rows up again by NIK; SQLite, without that,
        in five statements that join the staging table with the rows just written.
        """
        params = {
            "now": connection.ops.adapt_datetimefield_value(_now()),
            "actor_id": actor_id,
            "username": username,
            "programme_id": programme_id,
            "programme_code": programme_code,
            "status": PROPOSED,
            "note": note,
        }
        json, array = ("jsonb_build_object", "jsonb_build_array") if _postgres() else ("json_object", "json_array")
        heirs = (
            "INSERT INTO workers_heir (worker_id, name, relation, nik, phone)"
            " SELECT w.id, s.heir_name, s.heir_relation, s.heir_nik, s.heir_phone FROM {source}"
            " WHERE s.heir_name <> '' ORDER BY w.id"
        )
        worker_entries = (
            f"INSERT INTO audit_auditentry ({_AUDIT_COLUMNS})"  # noqa: S608 - our table names; values bound
            " SELECT %(now)s, %(actor_id)s, %(username)s, 'worker.registered', 'workers.worker',"
            f" CAST(w.id AS VARCHAR(20)), w.village_code, {json}('nik', {array}(NULL, {{masked}}),"
            f" 'village', {array}(NULL, w.village_code)), %(note)s FROM {{source}}"
        )
        enrolments = (
            "INSERT INTO enrolments_enrolment (province_code, regency_code, village_code, worker_id, programme_id,"
            " status, kpj, end_reason, rejection_reason, proposed_at, updated_at)"
            " SELECT w.province_code, w.regency_code, w.village_code, w.id, %(programme_id)s, %(status)s, '', '', '',"
            " %(now)s, %(now)s FROM {source}"
        )
        enrolment_entries = (
            f"INSERT INTO audit_auditentry ({_AUDIT_COLUMNS})"  # noqa: S608 - our table names; values bound
            " SELECT %(now)s, %(actor_id)s, %(username)s, 'enrolment.proposed', 'enrolments.enrolment',"
            f" CAST(e.id AS VARCHAR(20)), e.village_code, {json}('status', {array}(NULL, CAST(%(status)s AS TEXT)),"
            f" 'programme', {array}(NULL, CAST(%(programme_code)s AS TEXT)), 'worker', {array}(NULL, e.worker_id)),"
            " %(note)s FROM {source}"
        )
        new_workers = (
            f"INSERT INTO workers_worker ({_WORKER_COLUMNS}, created_at, updated_at, created_by_id)"  # noqa: S608 - our table names; values bound
            f" SELECT {_WORKER_COLUMNS}, %(now)s, %(now)s, %(actor_id)s FROM {TABLE} WHERE is_new = 1"
            " ORDER BY regency_code, name, row_number"
        )
        if _postgres():
            # ``RETURNING`` gives the rows in the order they went in, already in id order: the steps that read
            # only ``w`` or ``e`` need no sort. (The order is for the indexes' sake, not for correctness.) The
            # NIK is masked here as ``nik_mask`` masks a 16-digit NIK, so the entries need no join either.
            statements = [
                f"WITH w AS ({new_workers} RETURNING id, nik, village_code, province_code, regency_code),"  # noqa: S608 - our table names; values bound
                f" heir AS ({heirs.format(source=f'w JOIN {TABLE} s ON s.nik = w.nik')}),"
                f" registered AS ({worker_entries.format(source='w', masked=_MASKED_NIK_SQL)}),"
                " e AS ("
                + enrolments.format(
                    source="(SELECT id, village_code, province_code, regency_code FROM w UNION ALL"  # noqa: S608 - our table names; values bound
                    " SELECT r.id, r.village_code, r.province_code, r.regency_code"
                    f" FROM {TABLE} s JOIN workers_worker r ON r.id = s.worker_id WHERE s.is_new = 0) w"
                )
                + " RETURNING id, worker_id, village_code)"
                f" {enrolment_entries.format(source='e')}"
            ]
        else:
            staged = f"{TABLE} s JOIN workers_worker w ON w.nik = s.nik"
            statements = [
                new_workers,
                heirs.format(source=f"{staged} AND s.is_new = 1"),
                enrolments.format(source=f"{staged} ORDER BY w.id"),
                worker_entries.format(source=f"{staged} AND s.is_new = 1 ORDER BY w.id", masked="s.nik_masked"),
                enrolment_entries.format(
                    source=f"{staged} JOIN enrolments_enrolment e ON e.worker_id = w.id"
                    " AND e.programme_id = %(programme_id)s ORDER BY e.id"
                ),
            ]
        # The statistics know nothing yet of the rows this transaction adds: a large upload's joins are hashed.
        with self._hashed(in_transaction=True), connection.cursor() as cursor:
            for sql in statements:
                _execute(cursor, sql, params)


def _planner(*statements: str) -> None:
    """Planner settings of this session (through a plain cursor: a server-side one only declares queries)."""
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


def _execute(cursor: Any, sql: str, params: dict[str, Any]) -> None:
    """One set-based write; the only way this module writes the registry's tables (tests interrupt it here)."""
    cursor.execute(sql, params)
