"""A session ends after ``LINDUNG_SESSION_IDLE_MINUTES`` without a request, and ``LINDUNG_SESSION_SECONDS`` after its
login whatever the activity; the user lands on the login page with a message saying why (issue 15, item 5).

The session's clocks are forged in the session itself (seconds since the epoch), as if the requests had been
made then.
"""

from __future__ import annotations

import runpy
import time

import pytest
from django.core.exceptions import ImproperlyConfigured

import lindung.settings
from lindung.accounts.middleware import LAST_SEEN, SIGNED_IN_AT
from lindung.audit.models import AuditEntry
from lindung.testing import client_for

pytestmark = pytest.mark.django_db


def _forge(client, **times: int) -> None:
    session = client.session
    for key, value in times.items():
        session[key] = value
    session.save()


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_a_login_starts_both_clocks(cast):
    client = client_for(cast["operator_sambas"])
    now = int(time.time())
    assert abs(client.session[SIGNED_IN_AT] - now) <= 2
    assert abs(client.session[LAST_SEEN] - now) <= 2


def test_thirty_minutes_without_a_request_end_the_session_with_a_message_in_indonesian(cast):
    client = client_for(cast["operator_sambas"], "id")
    _forge(client, **{LAST_SEEN: int(time.time()) - 30 * 60 - 5})

    response = client.get("/pekerja/?halaman=2", follow=True)

    assert response.redirect_chain[0] == ("/masuk/?next=/pekerja/%3Fhalaman%3D2", 302)
    assert not _signed_in(client)
    assert "Sesi Anda berakhir karena tidak ada aktivitas selama 30 menit." in response.content.decode()
    entry = AuditEntry.objects.get(action="account.logged_out")
    assert entry.actor == cast["operator_sambas"] and "reason=idle" in entry.note


def test_the_message_reads_in_english_for_an_english_reader(cast):
    client = client_for(cast["operator_sambas"], "en")
    _forge(client, **{LAST_SEEN: int(time.time()) - 31 * 60})
    response = client.get("/", follow=True)
    assert "Your session ended after 30 minutes without activity. Please log in again." in response.content.decode()


def test_a_request_within_the_idle_time_keeps_the_session_and_moves_its_clock(cast):
    client = client_for(cast["operator_sambas"])
    before = int(time.time()) - 29 * 60
    _forge(client, **{LAST_SEEN: before})

    assert client.get("/pekerja/").status_code == 200
    assert _signed_in(client)
    assert client.session[LAST_SEEN] >= before + 29 * 60 - 2


def test_the_idle_time_is_a_setting(cast, settings):
    settings.LINDUNG_SESSION_IDLE_MINUTES = 5
    client = client_for(cast["verifikator"])
    _forge(client, **{LAST_SEEN: int(time.time()) - 6 * 60})
    assert client.get("/")["Location"] == "/masuk/?next=/"
    assert not _signed_in(client)


def test_a_post_after_the_idle_time_is_not_carried_out(cast):
    client = client_for(cast["operator_sambas"])
    _forge(client, **{LAST_SEEN: int(time.time()) - 60 * 60})
    response = client.post("/akun/sandi/", {"old_password": "x", "new_password1": "y", "new_password2": "y"})
    assert response["Location"] == "/masuk/"
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()


def test_the_whole_session_ends_after_its_seconds_however_active(cast, settings):
    client = client_for(cast["keuangan"], "en")
    now = int(time.time())
    _forge(client, **{SIGNED_IN_AT: now - settings.SESSION_COOKIE_AGE - 1, LAST_SEEN: now - 10})

    response = client.get("/", follow=True)

    assert not _signed_in(client)
    assert "Your session ended: you logged in more than 8 hours ago." in response.content.decode()
    assert "reason=session_age" in AuditEntry.objects.get(action="account.logged_out").note


def test_a_visitor_has_no_clock(db):
    client = client_for()
    assert client.get("/").status_code == 200
    assert LAST_SEEN not in client.session


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LINDUNG_SESSION_IDLE_MINUTES": "0"}, "LINDUNG_SESSION_IDLE_MINUTES must be between 1 and 1440"),
        ({"LINDUNG_SESSION_IDLE_MINUTES": "half an hour"}, "LINDUNG_SESSION_IDLE_MINUTES must be a whole number"),
        (
            {"LINDUNG_SESSION_IDLE_MINUTES": "90", "LINDUNG_SESSION_SECONDS": "3600"},
            r"LINDUNG_SESSION_IDLE_MINUTES \(90\) must not be longer than the whole session",
        ),
    ],
)
def test_the_settings_refuse_an_idle_time_that_cannot_be_right(env, message, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        runpy.run_path(lindung.settings.__file__)
