"""Search boxes that take a NIK or a name keep what was typed out of every address.

A query string ends up in the web server's and the proxies' access logs, the browser's history, and the
Referer header of the next page, none of which Lindung can audit, mask or erase (UU PDP; see PDP.md). So a
list whose box accepts a NIK or a name:

1. sends its filter form by POST (with the CSRF token);
2. keeps the typed text in the session under a short random key, and redirects (303) to the list with the
   other filters as they were and ``?cari=<key>`` instead of the text: paging, sorting, the language
   switch and the export button carry the key, the back button returns to a GET, and a reload sends
   nothing again;
3. on a GET, puts the text the key stands for back in the place of the box's field.

The key means something only in the session that made it: a copied address shows another user, or the
same user after signing in again, the list without the search and a note to search again. An old address
with the text itself in it (a bookmark from before) is moved to a key the same way; that one request has
been logged already, the ones that follow are not.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest, HttpResponseRedirect, QueryDict

SEARCH_KEY = "cari"
_SESSION = "lindung.searches"
# The session keeps the last few searches: enough for a few tabs and the back button, and it stays small.
KEPT = 20
_NOT_CARRIED = frozenset({SEARCH_KEY, "page", "csrfmiddlewaretoken"})


def search_in_address(request: HttpRequest, field: str = "q") -> bool:
    """Whether the request carries a search to move into the session: a POST of the form, or ``field`` in the
    query string (an old address)."""
    return request.method == "POST" or field in request.GET


def search_redirect(request: HttpRequest, field: str = "q") -> HttpResponseRedirect:
    """The list again, with the filters of the POST (or of the old address) and the text of ``field`` replaced
    by its key. Empty values are left out, as a browser would send them anyway."""
    source = request.POST if request.method == "POST" else request.GET
    query = QueryDict(mutable=True)
    for name, values in source.lists():
        kept = [value for value in values if value]
        if name not in _NOT_CARRIED and name != field and kept:
            query.setlist(name, kept)
    text = source.get(field, "").strip()
    if text:
        query[SEARCH_KEY] = _remember(request, text)
    response = HttpResponseRedirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    response.status_code = 303  # "see other": a GET follows, whatever the method was
    return response


def search_data(request: HttpRequest, field: str = "q") -> tuple[QueryDict, bool]:
    """The list's filters for its form: the query string, with ``field`` set to the text the key stands for.

    The flag says that the address carries a key this session does not hold (copied from elsewhere, or from
    before signing in again): the search is then left out, and the page should say so.
    """
    data = request.GET.copy()
    key = data.pop(SEARCH_KEY, [""])[-1]
    if not key:
        return data, False
    text = request.session.get(_SESSION, {}).get(key)
    if text is None:
        return data, True
    data[field] = text
    return data, False


def _remember(request: HttpRequest, text: str) -> str:
    kept: dict[str, str] = dict(request.session.get(_SESSION, {}))
    key = next((key for key, value in kept.items() if value == text), None) or secrets.token_urlsafe(6)
    kept.pop(key, None)
    kept[key] = text  # the newest last: dicts keep their order, and the oldest are dropped first
    request.session[_SESSION] = dict(list(kept.items())[-KEPT:])
    return key
