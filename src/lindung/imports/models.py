from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    COMPLETED = "completed", _("Completed")
    FAILED = "failed", _("Failed")


class ImportBatch(models.Model):
    """One upload of a spreadsheet of proposals: who, when, into which programme, and what became of its rows.

    A command-line upload is recorded when it completes; dry runs and malformed files leave no record.
    A web upload is recorded when queued (with its file) and completed or failed by the background job;
    a failed one wrote no rows. ``errors`` holds the first rejected rows' problems so that the error file
    can be offered again later.
    """

    programme = models.ForeignKey(
        "programmes.Programme", on_delete=models.PROTECT, related_name="+", verbose_name=_("programme")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # The uploader's region, so that a list of uploads can be region-scoped like the audit log.
    region_code = models.CharField(_("region"), max_length=13, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    status = models.CharField(_("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.COMPLETED)
    # The job's language: its messages are written in the language of the page that uploaded the file.
    language = models.CharField(_("language"), max_length=8, default="id")
    rows_read = models.PositiveIntegerField(_("rows read"), default=0)
    # When the running job last showed life (claimed, or reported progress): a job killed mid-way stops
    # updating it, and the worker that finds it stale marks it failed (``records.records_expire_stale``).
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    message = models.TextField(_("why it failed"), blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    imported = models.PositiveIntegerField(_("imported"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    # The errors of the first rejected rows ({row, column, message}; LINDUNG_IMPORT_MAX_ERRORS rows at most), and
    # every error counted by column and problem ({column, message, count}), so that a file of a million bad
    # rows is stored as a page's worth, not as a million messages.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    error_counts = models.JSONField(_("errors by column and problem"), default=list, blank=True)
    # A web upload's file, kept while its job waits and runs, removed when the job ends or dies; what stays
    # is the error file (the rejected rows as uploaded, with their errors), for the uploader to fix.
    source = models.FileField(_("uploaded file"), upload_to="imports/%Y/%m/", blank=True)
    error_file = models.FileField(_("error file"), upload_to="imports/errors/%Y/%m/", blank=True)
    # The background task running it (django-tasks-db), marked failed with the upload when its process dies.
    task_id = models.CharField(_("task"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-uploaded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rows=F("imported") + F("skipped") + F("rejected")), name="import_rows_add_up"
            ),
            models.CheckConstraint(condition=Q(status__in=ImportStatus.values), name="import_known_status"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.uploaded_at:%Y-%m-%d %H:%M})"
