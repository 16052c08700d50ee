"""Cleaning a large upload on two cores: a helper process cleans blocks of rows while this one reads the file.

Cleaning is pure Python (~30 µs a row) and the database waits meanwhile: a million-row upload spent ~33 s
there on one core. From ``PARALLEL_FROM_ROW`` on, rows go in blocks of ``BLOCK_ROWS`` to one helper process
whenever it has room (at most ``HELPER_AHEAD`` blocks waiting for it), and this process cleans the other
blocks itself, so both cores work and neither waits long for the other. The results come back in file order,
so what follows (a NIK seen twice, the staging table, the list of errors) is exactly what one core gives.

The helper is *spawned*, not forked: it shares no database connection with this process, and it has no
database at all. It receives this process's ``RowCleaner`` (pickled, with the regions of the programme
already loaded, ``RegionResolver.preload_region``) and the active language, for the error sentences. A row
that would need a query (a village code or a regency outside the programme's region, which the row's checks
then reject) comes back unresolved and is cleaned here. If the helper cannot start or dies, its blocks are
cleaned here too: it only ever makes an upload faster, never different.
"""

from __future__ import annotations

import logging
import os
import pickle
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from itertools import batched, chain, islice
from multiprocessing import get_context
from typing import Any

from django.conf import settings
from django.utils import translation

from lindung.imports import cleaning_helper
from lindung.imports.rows import Cleaned, Row, RowCleaner

PARALLEL_FROM_ROW = 20_000  # a smaller upload is cleaned in a second or two: not worth a process
BLOCK_ROWS = 2_000  # rows sent to the helper at a time
HELPER_AHEAD = 2  # blocks the helper may have waiting; more go to this process
MAX_WAITING = 8  # blocks cleaned but not yet handed on (bounds the memory: ~16,000 rows)
logger = logging.getLogger(__name__)


def cleaned_rows(rows: Iterable[Row], cleaner: RowCleaner) -> Iterator[Cleaned]:
    """Every row cleaned, in file order; a second process helps from ``PARALLEL_FROM_ROW`` rows on."""
    rows = iter(rows)
    for number, cells in islice(rows, PARALLEL_FROM_ROW):
        yield cleaner.cleaned(number, cells)
    following = next(rows, None)
    if following is None:
        return
    rows = chain([following], rows)
    if not _two_cores():
        for number, cells in rows:
            yield cleaner.cleaned(number, cells)
        return
    with _Helper(cleaner) as helper:
        yield from helper.cleaned(rows)
    # Counts only: how much the second core took (nothing of the rows themselves).
    logger.info("import: %d rows cleaned by the helper process", helper.rows_cleaned)


def _two_cores() -> bool:
    return len(os.sched_getaffinity(0)) >= 2 if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1) >= 2


class _Helper:
    def __init__(self, cleaner: RowCleaner) -> None:
        self.cleaner = cleaner
        self.rows_cleaned = 0  # by the helper
        self.pool: ProcessPoolExecutor | None = None
        try:
            self.pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=get_context("spawn"),
                initializer=cleaning_helper.start,
                initargs=(_pickled_detached(cleaner), translation.get_language()),
            )
        except (OSError, pickle.PicklingError):  # no process to be had: one core it is
            logger.warning("import: no helper process for the cleaning; cleaning on one core", exc_info=True)

    def __enter__(self) -> _Helper:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)

    def cleaned(self, rows: Iterator[Row]) -> Iterator[Cleaned]:
        waiting: deque[tuple[Future[list[Cleaned | Row]] | None, list[Row] | list[Cleaned]]] = deque()
        for block in batched(rows, BLOCK_ROWS):
            room = sum(1 for future, _ in waiting if future and not future.done()) < HELPER_AHEAD
            future = self._submit(block) if room and self.pool is not None else None
            if future is not None:
                waiting.append((future, list(block)))
            else:
                waiting.append((None, [self.cleaner.cleaned(number, cells) for number, cells in block]))
            while waiting and (len(waiting) > MAX_WAITING or _ready(waiting[0][0])):
                yield from self._handed_on(*waiting.popleft())
        while waiting:
            yield from self._handed_on(*waiting.popleft())

    def _submit(self, block: tuple[Row, ...]) -> Future[list[Cleaned | Row]] | None:
        assert self.pool is not None
        try:
            return self.pool.submit(cleaning_helper.clean, block)
        except RuntimeError:  # the pool broke (its process died): the rest is cleaned here
            self.pool = None
            return None

    def _handed_on(self, future: Future[list[Cleaned | Row]] | None, block: list[Any]) -> Iterator[Cleaned]:
        """A block's rows, cleaned: here (``future`` None: ``block`` holds them cleaned), or by the helper, and
        here those it could not clean (or all of them if it died)."""
        if future is None:
            yield from block
            return
        try:
            results = future.result(timeout=settings.LINDUNG_IMPORT_MAX_SECONDS)
        except Exception:  # the helper died or hung: this process cleans its blocks from now on
            logger.warning("import: the cleaning helper failed; cleaning on one core", exc_info=True)
            if self.pool is not None:
                self.pool.shutdown(wait=False, cancel_futures=True)
                self.pool = None
            yield from (self.cleaner.cleaned(number, cells) for number, cells in block)
            return
        self.rows_cleaned += sum(1 for result in results if len(result) == 3)
        for result in results:
            if len(result) == 2:  # unresolved: needs the database
                number, cells = result
                yield self.cleaner.cleaned(number, cells)
            else:
                yield result


def _ready(future: Future[Any] | None) -> bool:
    return future is None or future.done()


def _pickled_detached(cleaner: RowCleaner) -> bytes:
    """The cleaner as the helper gets it: its resolver answers only from what it has loaded."""
    cleaner.resolver.detached = True
    try:
        return pickle.dumps(cleaner)
    finally:
        cleaner.resolver.detached = False
