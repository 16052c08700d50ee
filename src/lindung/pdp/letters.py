"""A breach's documents (UU 27/2022, Art. 46): the letter to each person affected, one PDF per village for delivery,
and the report to the authority.

The village files are written by a background task (``breach_letters_task``, database-backed queue), village by
village: one village's letters are read from a database iterator, rendered and written to storage before the next
village is read, so a breach of 100,000 people needs the memory of its largest village, not of the whole. They are
kept under the data folder's storage (``pdp/insiden/<id>/``) like the BPJS batch files. A single person's letter
and the authority's report are rendered when asked. Each hand-out is audited (an export of personal data).

The letters are Indonesian whatever the language of the page that asks for them: they go to the people.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import Http404
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext

from lindung.accounts.models import User
from lindung.accounts.scope import scope_of
from lindung.audit.services import audit_record
from lindung.errors import RefusedStep
from lindung.pdp.breach import (
    affected_visible,
    breach_acting_check,
    breach_clock,
    breach_counts_by_regency,
    breach_reading_check,
    data_kind_labels,
)
from lindung.pdp.models import Breach, BreachAffected, BreachStatus, LettersStatus
from lindung.regions.models import Region
from lindung.workers.models import Worker
from lindung.workers.nik import nik_mask

logger = logging.getLogger(__name__)

LETTERS_LANGUAGE = "id"
LETTERS_CHUNK = 2_000
# Letters in one file of a village: WeasyPrint keeps a document's layout in memory until it is written.
LETTERS_PER_FILE = 100


def letters_folder(breach: Breach) -> str:
    return f"pdp/insiden/{breach.pk}"


def village_file_name(breach: Breach, village_code: str, part: int = 1) -> str:
    return f"{letters_folder(breach)}/surat-{village_code}-{part:03d}.pdf"


def village_parts(count: int) -> int:
    """How many files hold a village's ``count`` letters."""
    return max(1, -(-count // LETTERS_PER_FILE))


def letters_path(breach: Breach) -> str:
    """The folder of the village files on disk (the command line prints it)."""
    return str(default_storage.path(letters_folder(breach)))


# --- asking for the letters ------------------------------------------------------------------------------------


def breach_letters_request(*, actor: User, breach: Breach, enqueue: bool = True) -> Breach:
    """Queue the writing of the village files (``enqueue=False``: the caller runs ``breach_letters_write`` itself,
    as the command line does)."""
    breach_acting_check(actor, breach)
    with transaction.atomic():
        breach = Breach.objects.select_for_update().get(pk=breach.pk)
        if breach.status != BreachStatus.PEOPLE_FOUND:
            raise RefusedStep(gettext("Find the people affected first; letters are made once."))
        if breach.affected_count == 0:
            raise RefusedStep(gettext("Nobody was found: there is nobody to write to."))
        if breach.letters_status in (LettersStatus.QUEUED, LettersStatus.RUNNING):
            raise RefusedStep(gettext("The letters are being written already."))
        breach.letters_status, breach.letters_requested_by, breach.letters_error = LettersStatus.QUEUED, actor, ""
        breach.save(update_fields=["letters_status", "letters_requested_by", "letters_error"])
        audit_record(
            actor=actor,
            action="pdp.breach_letters_requested",
            obj=breach,
            region_code=breach.region_code,
            changes={"count": [None, breach.affected_count]},
        )
        if enqueue:
            breach_id = breach.pk
            transaction.on_commit(lambda: _task_note(breach_id, str(breach_letters_task.enqueue(breach_id).id)))
    return breach


def _task_note(breach_id: int, task_id: str) -> None:
    Breach.objects.filter(pk=breach_id).update(letters_task_id=task_id)


@task
def breach_letters_task(breach_id: int) -> None:
    """The queue's entry: the incident's id in, nothing out (its record says how it went)."""
    breach_letters_write(breach_id=breach_id)


def breach_letters_write(*, breach_id: int) -> bool:
    """Write one PDF per village of the incident's people, then mark the letters produced (audited). A second
    delivery of the same job finds nothing to claim; a failure leaves the incident at "people found" with the
    reason, and no partial folder."""
    claimed = Breach.objects.filter(pk=breach_id, letters_status=LettersStatus.QUEUED).update(
        letters_status=LettersStatus.RUNNING
    )
    if not claimed:
        return False
    breach = Breach.objects.select_related("letters_requested_by").get(pk=breach_id)
    written: list[str] = []
    try:
        _folder_empty(breach)
        villages = (
            BreachAffected.objects.filter(breach=breach)
            .order_by("village_id")
            .values_list("village_id", flat=True)
            .distinct()
        )
        for village in villages.iterator():
            _village_files_write(breach, village, written)
        with transaction.atomic():
            now = timezone.now()
            Breach.objects.filter(pk=breach_id).update(
                letters_status=LettersStatus.DONE, letters_done_at=now, status=BreachStatus.LETTERS_PRODUCED
            )
            audit_record(
                actor=breach.letters_requested_by,
                action="pdp.breach_letters_produced",
                obj=breach,
                region_code=breach.region_code,
                changes={"villages": [None, len(written)], "count": [None, breach.affected_count]},
            )
    except BaseException:  # Ctrl-C on the command line too: the incident must not stay "being written"
        # Only the type: a rendering error's text may quote a name.
        logger.error("breach %s: its letters failed", breach_id, exc_info=False)
        for name in written:
            default_storage.delete(name)
        _letters_fail([breach_id])
        raise
    return True


def _letters_fail(breach_ids: list[int]) -> int:
    return Breach.objects.filter(
        pk__in=breach_ids, letters_status__in=(LettersStatus.QUEUED, LettersStatus.RUNNING)
    ).update(
        letters_status=LettersStatus.FAILED,
        letters_error=gettext("Writing the letters failed; ask for them again or tell the administrator."),
    )


def breach_letters_abandoned(*, task_ids: list[str], **_signal: Any) -> None:
    """When stopping workers abandoned tasks (``tasks_abandoned``): their incidents' letters failed (a new request
    empties the folder first)."""
    ids = list(Breach.objects.filter(letters_task_id__in=task_ids).values_list("pk", flat=True))
    if ids:
        _letters_fail(ids)


def breach_letters_housekeeping(*, now: dt.datetime, **_signal: Any) -> None:
    """When the worker starts (``worker_starting``): letters recorded as being written whose task is over (it
    failed, or its worker died and it was marked so) failed too, so that they can be asked for again."""
    from django.tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = dict(
        Breach.objects.filter(letters_status=LettersStatus.RUNNING)
        .exclude(letters_task_id="")
        .values_list("letters_task_id", "pk")
    )
    keys = [uuid.UUID(task_id) for task_id in running if _is_uuid(task_id)]
    over = DBTaskResult.objects.filter(id__in=keys).exclude(
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING)
    )
    ids = [running[str(task_id)] for task_id in over.values_list("id", flat=True)]
    if ids:
        _letters_fail(ids)


def _folder_empty(breach: Breach) -> None:
    """A folder left by an earlier, failed run goes before a new one is written."""
    folder = letters_folder(breach)
    if not default_storage.exists(folder):
        return
    _dirs, files = default_storage.listdir(folder)
    for name in files:
        default_storage.delete(f"{folder}/{name}")


def _village_files_write(breach: Breach, village: str, written: list[str]) -> None:
    """One village's letters, ``LETTERS_PER_FILE`` to a PDF, each rendered to a temporary file and moved to storage
    (its name added to ``written`` at once, so that a failure removes it)."""
    letters = _letters_of(breach, BreachAffected.objects.filter(breach=breach, village_id=village))
    for part, chunk in enumerate(itertools.batched(letters, LETTERS_PER_FILE), start=1):
        with tempfile.TemporaryFile(dir=settings.LINDUNG_TMP_DIR) as out:
            _pdf_write(letters_html(breach, iter(chunk)), out)
            out.seek(0)
            written.append(default_storage.save(village_file_name(breach, village, part), File(out)))


# --- the letters' content ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Letter:
    name: str
    nik: str  # masked
    address: str
    village: str
    district: str
    regency: str


def _letters_of(breach: Breach, affected: Any) -> Iterator[Letter]:
    """The letters of ``affected`` (a queryset of ``BreachAffected``), by name, from a database iterator."""
    rows = (
        Worker.objects.filter(pk__in=affected.values("worker_id"))
        .order_by("name", "pk")
        .values_list("name", "nik", "address", "village_id")
    )
    names: dict[str, str] = {}
    for name, nik, address, village in rows.iterator(chunk_size=LETTERS_CHUNK):
        if village not in names:
            names.update(_names_around(village))
        yield Letter(
            name=name,
            nik=nik_mask(nik),
            address=address,
            village=names.get(village, village),
            district=names.get(village.rsplit(".", 1)[0], ""),
            regency=names.get(village[:5], ""),
        )


def _names_around(village: str) -> dict[str, str]:
    codes = [village, village.rsplit(".", 1)[0], village[:5]]
    return dict(Region.objects.filter(code__in=codes).values_list("code", "name"))


def _common_context(breach: Breach, *, today: dt.date | None = None) -> dict[str, Any]:
    region = Region.objects.filter(code=breach.region_code).values_list("name", flat=True).first() or ""
    local = timezone.localtime
    return {
        "breach": breach,
        "region": region,
        "kinds": data_kind_labels(breach),
        "found_at": formats.date_format(local(breach.found_at), "DATETIME_FORMAT"),
        "occurred_from": formats.date_format(local(breach.occurred_from), "DATETIME_FORMAT")
        if breach.occurred_from
        else "",
        "occurred_to": formats.date_format(local(breach.occurred_to), "DATETIME_FORMAT") if breach.occurred_to else "",
        "day": formats.date_format(today or timezone.localdate(), "j F Y"),
    }


def letters_html(breach: Breach, letters: Iterator[Letter], *, today: dt.date | None = None) -> str:
    """The letters' HTML, one page each, self-contained (inline CSS, no image, no link)."""
    with translation.override(LETTERS_LANGUAGE):
        context = {**_common_context(breach, today=today), "letters": letters}
        return render_to_string("pdp/breach_letters.html", context)


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    # Self-contained: never let a typed value make WeasyPrint open a file or a URL.
    raise ValueError("no external resources in a breach letter")


def _pdf_write(html: str, out: Any) -> None:
    import weasyprint  # heavy (pango): load it only when a PDF is asked for

    weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf(out)


def _pdf(html: str) -> bytes:
    import weasyprint

    pdf = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf


# --- handing them out ------------------------------------------------------------------------------------------


def breach_villages_with_letters(user: User, breach: Breach) -> list[str]:
    """The villages of ``user``'s region whose file is written."""
    if breach.letters_status != LettersStatus.DONE:
        return []
    return list(affected_visible(user, breach).order_by("village_id").values_list("village_id", flat=True).distinct())


def breach_village_letters(*, actor: User, breach: Breach, village: str, part: int = 1) -> tuple[str, int]:
    """The stored file of ``village``'s letters, part ``part`` (its storage name), and how many letters it holds,
    audited as an export."""
    breach_reading_check(actor, breach)
    if not scope_of(actor).covers(village) or breach.letters_status != LettersStatus.DONE:
        raise Http404
    village_count = affected_visible(actor, breach).filter(village_id=village).count()
    count = min(LETTERS_PER_FILE, village_count - (part - 1) * LETTERS_PER_FILE)
    name = village_file_name(breach, village, part)
    if part < 1 or count <= 0 or not default_storage.exists(name):
        raise Http404
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pdp.breach_letters_exported",
            obj=breach,
            region_code=village,
            changes={"village": [None, village], "part": [None, part], "rows": [None, count]},
        )
    return name, count


def breach_person_letter(*, actor: User, breach: Breach, nik: str) -> tuple[Worker, bytes]:
    """One person's letter, found by their whole NIK among the incident's people in ``actor``'s region."""
    breach_reading_check(actor, breach)
    nik = "".join(ch for ch in nik if ch.isdigit())
    worker = Worker.objects.filter(
        nik=nik, pk__in=affected_visible(actor, breach).values("worker_id"), anonymised_on__isnull=True
    ).first()
    if worker is None or len(nik) != 16:
        raise RefusedStep(gettext("Nobody with this NIK is among the people affected in your region."), field="nik")
    html = letters_html(breach, _letters_of(breach, BreachAffected.objects.filter(breach=breach, worker=worker)))
    pdf = _pdf(html)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pdp.breach_letter_exported",
            obj=worker,
            region_code=worker.village_id,
            note=f"breach #{breach.pk}",
        )
    return worker, pdf


def breach_report_pdf(*, actor: User, breach: Breach, today: dt.date | None = None) -> bytes:
    """The report to the authority: the incident, the clock, the counts by regency and by kind of data (counts
    only, never the people), within ``actor``'s region. Audited."""
    breach_reading_check(actor, breach)
    if breach.status == BreachStatus.RECORDED:
        raise RefusedStep(gettext("Find the people affected first: the report counts them."))
    regencies = breach_counts_by_regency(actor, breach)
    total = sum(count for _code, _name, count in regencies)
    with translation.override(LETTERS_LANGUAGE):
        context = {
            **_common_context(breach, today=today),
            "regencies": regencies,
            "total": total,
            "clock": breach_clock(breach),
            "due_at": formats.date_format(timezone.localtime(breach.due_at), "DATETIME_FORMAT"),
            "notified_at": formats.date_format(timezone.localtime(breach.authority_notified_at), "DATETIME_FORMAT")
            if breach.authority_notified_at
            else "",
        }
        html = render_to_string("pdp/breach_report.html", context)
    pdf = _pdf(html)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="pdp.breach_report_exported",
            obj=breach,
            region_code=actor.region_id or breach.region_code,
            changes={"count": [None, total]},
        )
    return pdf


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True
