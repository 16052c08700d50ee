"""Password validators beyond Django's (``AUTH_PASSWORD_VALIDATORS``): local words and reuse.

``LocalWordValidator`` refuses what an attacker here tries first: the name of a region ("Pontianak2026",
"Sambas123!") or a word of the programme ("kalbar2026", "BPJS12345678"). ``PasswordReuseValidator`` refuses
the current password and the last few, whose hashes it keeps through Django's ``password_changed`` hook.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.hashers import check_password, is_password_usable
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext

from lindung.accounts.models import PreviousPassword
from lindung.regions.models import Region

# Words everyone around the programme knows, beside the region names from the ``regions`` table: the
# programme, BPJS and its benefits, the province's short names, the roles, and the usual keyboard words.
PROGRAMME_WORDS = frozenset(
    {
        *("lindung", "bpjs", "bpjstk", "bpjsketenagakerjaan", "ketenagakerjaan", "tenagakerja", "jamsostek"),
        *("jkk", "jkm", "jkkjkm", "jht", "iuran", "klaim", "peserta", "pekerja", "pekerjarentan", "rentan"),
        *("disnaker", "disnakertrans", "pemda", "pemprov", "pemkab", "pemkot", "provinsi", "kabupaten", "kota"),
        *("kecamatan", "desa", "kelurahan", "indonesia", "nusantara", "merdeka", "garuda", "pancasila"),
        *("kalbar", "kalteng", "kalsel", "kaltim", "kaltara", "sumut", "sumbar", "sumsel", "jabar", "jateng"),
        *("jatim", "jogja", "jakarta", "dki", "diy", "ntb", "ntt", "sulsel", "sulut", "sulteng", "sultra"),
        *("sulbar", "babel", "kepri", "malut"),
        *("admin", "administrator", "operator", "verifikator", "petugas", "keuangan", "pimpinan", "pengguna"),
        *("sandi", "katasandi", "password", "passwd", "rahasia", "login", "masuk", "user", "welcome", "selamat"),
        *("bismillah", "qwerty", "qwertyuiop", "asdf", "asdfgh", "asdfghjkl", "zxcvbnm", "abc", "abcd", "abcde"),
    }
)
# A name this long or longer is refused also at the start of a longer password ("SambasJaya2026");
# shorter ones (Kota Batu, Kabupaten Bone) only as the whole of it, or too many passwords would be.
PREFIX_LETTERS = 5
# Digits that stand for letters ("P0nt14n4k"), read both ways: as letters and dropped.
_LOOKALIKES = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "@": "a", "$": "s"})
_NOT_LETTERS = re.compile(r"[^a-z]")
_REGION_PREFIX = re.compile(r"^(kabupaten|kota)( administrasi)? ")


def _letters(text: str) -> str:
    return _NOT_LETTERS.sub("", text.casefold())


def _region_words() -> tuple[set[str], set[str]]:
    """The names of provinces and regencies/cities (refused whole or at the start) and of districts (whole).

    Read from the table on each call: a password is validated rarely, and the table can change.
    """
    provinces_regencies: set[str] = set()
    districts: set[str] = set()
    rows = Region.objects.filter(level__lte=Region.Level.DISTRICT).values_list("name", "level")
    for name, level in rows.iterator(chunk_size=2000):
        lowered = name.casefold()
        if level == Region.Level.DISTRICT:
            districts.add(_letters(lowered))
            continue
        provinces_regencies.add(_letters(lowered))
        provinces_regencies.add(_letters(_REGION_PREFIX.sub("", lowered)))
        if lowered.startswith("daerah "):  # Daerah Khusus Ibukota Jakarta, Daerah Istimewa Yogyakarta
            provinces_regencies.add(_letters(lowered.rsplit(" ", 1)[-1]))
    provinces_regencies.discard("")
    districts.discard("")
    return provinces_regencies, districts


def local_word_in(password: str) -> str | None:
    """The region name or programme word ``password`` is built on, if any.

    Built on: its letters, lower-cased, with digits, spaces and symbols dropped (or digits read as the
    letters they look like), are the word, or begin with it when the word is long enough to mean it.
    """
    forms = {_letters(password), _letters(password.casefold().translate(_LOOKALIKES))} - {""}
    if not forms:
        return None
    wide, whole_only = _region_words()
    for word in sorted(wide | PROGRAMME_WORDS, key=len, reverse=True):
        if any(form == word or (len(word) >= PREFIX_LETTERS and form.startswith(word)) for form in forms):
            return word
    return next((form for form in forms if form in whole_only), None)


class LocalWordValidator:
    """Refuses a password built on the name of a region of Indonesia or on a word of the programme."""

    def validate(self, password: str, user: Any = None) -> None:
        if local_word_in(password) is not None:
            # The word is not repeated back: the message would show part of the password on the page.
            raise ValidationError(
                gettext(
                    "This password is built on the name of a region or on a word such as “lindung” or “bpjs”, "
                    "which makes it easy to guess."
                ),
                code="password_local_word",
            )

    def get_help_text(self) -> str:
        return gettext("Your password can’t be built on the name of a region or on a word such as “lindung” or “bpjs”.")


class PasswordReuseValidator:
    """Refuses the current password and the last ``remember`` ones; keeps their hashes as they are replaced.

    ``password_changed`` runs whenever a password set with ``set_password`` is saved, whatever the door:
    the change page, the admin, ``changepassword``, a service. ``User.set_password`` remembers the hash it
    replaces, and this hook keeps it. A password set without ``set_password`` (``create_user``, the demo)
    is the current one until it is replaced, so it is checked all the same.
    """

    def __init__(self, remember: int = 5) -> None:
        self.remember = remember

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return  # a new account has no passwords to repeat
        hashes = [user.password, *self._previous(user)]
        # Argon2 is slow on purpose: each hash checked costs ~0.1-0.3 s, and there are at most remember + 1.
        if any(encoded and is_password_usable(encoded) and check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "This password is your current one or your last %(count)d password. Choose another.",
                    "This password is your current one or one of your last %(count)d passwords. Choose another.",
                    self.remember,
                ),
                code="password_reused",
                params={"count": self.remember},
            )

    def password_changed(self, password: str, user: Any = None) -> None:
        from lindung.accounts.services import account_previous_password_record

        replaced = getattr(user, "_replaced_password", "")
        if user is None or user.pk is None or not replaced or not is_password_usable(replaced):
            return
        user._replaced_password = ""
        account_previous_password_record(user=user, password_hash=replaced, keep=self.remember)

    def get_help_text(self) -> str:
        return ngettext(
            "Your password can’t be your current one or your last %(count)d password.",
            "Your password can’t be your current one or one of your last %(count)d passwords.",
            self.remember,
        ) % {"count": self.remember}

    def _previous(self, user: Any) -> list[str]:
        return list(
            PreviousPassword.objects.filter(user=user)
            .order_by("-replaced_at", "-id")
            .values_list("password", flat=True)[: self.remember]
        )
