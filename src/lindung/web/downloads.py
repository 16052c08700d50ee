"""Audited downloads are handed out only in answer to a POST that carries the page's CSRF token.

Taking a file of workers, an invoice or a report away writes an audit entry. Were a GET enough, any link
(in an e-mail, a chat, another site, an ``<img>``) would make a signed-in user's browser fetch the file and
write that entry in their name, and the audit log would blame them for downloads they never chose. So the
pages offer buttons in POST forms, and Django's CSRF check refuses a POST made from anywhere else.

A GET of a download's address (an old bookmark, a link pasted before this change) is still checked as the
POST would be (403 without the right, 404 for a record out of the user's region), writes nothing, and shows
:func:`download_page`: the file's name and a button that asks for it by POST, filters included.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

# The download views: GET shows the button, POST hands the file out; nothing else is answered.
download_methods = require_http_methods(["GET", "POST"])


def download_page(request: HttpRequest, *, name: str, button: str = "") -> HttpResponse:
    """The page a GET of a download's address gets: ``name`` (the file's, or the report's title) and a button
    (``button``, "Download" by default) whose form posts to the same address, query string included."""
    context = {"name": name, "button": button or gettext("Download"), "action": request.get_full_path()}
    return render(request, "web/download.html", context)
