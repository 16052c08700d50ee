"""The privacy notice given to a person when their data is collected (UU 27/2022; issue 19, item 2)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class PrivacyNotice(models.Model):
    """One version of the notice, in Indonesian and English, in force from ``effective_from`` until the next
    version's date. Rows come from the versioned files ``privacy_notices/data/`` (``services.notices_load``); a
    version people were given never changes (the loader refuses a changed text): a new text is a new version.

    The texts are plain lines: ``## `` starts a heading, ``- `` an item of a list, a blank line ends a paragraph
    (``templatetags.privacy_notices.notice_html``)."""

    version = models.PositiveSmallIntegerField(_("version"), unique=True)
    effective_from = models.DateField(_("in force from"), unique=True)
    title_id = models.CharField(_("title (Indonesian)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text_id = models.TextField(_("text (Indonesian)"))
    text_en = models.TextField(_("text (English)"))
    source = models.CharField(_("legal source"), max_length=200)

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="privacynotice_version_from_1"),
            models.CheckConstraint(
                condition=~Q(text_id="") & ~Q(text_en="") & ~Q(title_id="") & ~Q(title_en=""),
                name="privacynotice_both_languages",
            ),
            models.CheckConstraint(condition=~Q(source=""), name="privacynotice_has_source"),
        ]

    def __str__(self) -> str:
        return f"privacy notice v{self.version} (≥ {self.effective_from})"

    def title(self, language: str) -> str:
        return self.title_en if language == "en" else self.title_id

    def text(self, language: str) -> str:
        return self.text_en if language == "en" else self.text_id
