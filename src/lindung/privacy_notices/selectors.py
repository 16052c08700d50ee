"""Which privacy notice is in force on a day, and which a registration may record: the one rule, read by every path
that registers a person (the form and the API through ``workers.services.worker_register``, the import's
cleaning of its rows, the template that says which version to give)."""

from __future__ import annotations

import datetime as dt

from django.utils.formats import date_format
from django.utils.translation import gettext

from lindung.privacy_notices.models import PrivacyNotice


def notice_in_force(*, on: dt.date) -> PrivacyNotice | None:
    """The version whose date is the latest on or before ``on`` (``None``: none yet)."""
    return PrivacyNotice.objects.filter(effective_from__lte=on).order_by("-effective_from").first()


def notices_given_by_version(*, on: dt.date) -> dict[int, int]:
    """{version: id} of the versions a registration on ``on`` may record: the one in force and the earlier ones
    (a person told under the earlier version before the new one took effect was given that one), never a version
    not yet in force. One query, for an upload's million rows."""
    return dict(PrivacyNotice.objects.filter(effective_from__lte=on).values_list("version", "pk"))


def notice_given(*, version: object, on: dt.date) -> PrivacyNotice | None:
    """The notice of ``version`` if a registration on ``on`` may record it (``notices_given_by_version``)."""
    if type(version) is not int:
        return None
    return PrivacyNotice.objects.filter(version=version, effective_from__lte=on).first()


def notice_problem(*, on: dt.date) -> str:
    """The sentence when a registration does not say which notice the person was given, or names one it may not."""
    in_force = notice_in_force(on=on)
    if in_force is None:
        return gettext("No privacy notice is in force yet: registration must wait until one is loaded.")
    return gettext(
        "Give the person the privacy notice and say which version: version %(version)d is in force since %(date)s."
    ) % {"version": in_force.version, "date": date_format(in_force.effective_from, "DATE_FORMAT")}


def notices_all() -> list[PrivacyNotice]:
    return list(PrivacyNotice.objects.order_by("-version"))
