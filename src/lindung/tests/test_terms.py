"""One word per concept: the compiled Indonesian catalogue uses the glossary's term (``locale/terms.csv``, from
docs' GLOSSARY) and none of the words to avoid, in Lindung's own sentences and in Django's as Lindung shows them.

``where``: ``all`` checks every translation for the words to avoid; ``msgid`` only the translations of sentences
that name the concept in English (a word that is right elsewhere: "diajukan" for a claim, wrong for a proposal).
``required``: a sentence naming the concept in English says the Indonesian term (inflected forms count: "kata
sandinya" holds "kata sandi"). A word to avoid is a regular expression matched as a whole word, case-insensitive
("nomor kartu(?! keluarga)": the family card keeps its name). Placeholders (``%(username)s``) and a command line's
upper-case option values (``--as USERNAME``) are no words of the sentence.
"""

from __future__ import annotations

import csv
import gettext
import re
from dataclasses import dataclass
from pathlib import Path

import django
import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "locale"
DJANGO = Path(django.__file__).resolve().parent
# Django's catalogues whose sentences users of Lindung meet: forms and validation, sign-in and passwords, the admin.
DJANGO_CATALOGUES = ("conf/locale", "contrib/auth/locale", "contrib/admin/locale")

_NOT_WORDS = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|--[a-z-]+ [A-Z_]+")


@dataclass(frozen=True)
class Term:
    english: str
    indonesian: str
    avoid: tuple[str, ...]
    everywhere: bool
    required: bool

    def names(self, msgid: str) -> bool:
        return re.search(rf"\b{re.escape(self.english)}", msgid, re.IGNORECASE) is not None

    def misused(self, msgstr: str) -> list[str]:
        """The words to avoid in ``msgstr``, once the term's own uses are taken out ("kata sandi" is no "sandi")."""
        rest = _NOT_WORDS.sub(" ", msgstr)
        rest = re.sub(re.escape(self.indonesian), " ", rest, flags=re.IGNORECASE)
        return [word for word in self.avoid if re.search(rf"\b{word}\b", rest, re.IGNORECASE)]


def _terms() -> list[Term]:
    with (LOCALE / "terms.csv").open(encoding="utf-8", newline="") as source:
        return [
            Term(
                english=row["english"],
                indonesian=row["indonesian"],
                avoid=tuple(word for word in row["avoid"].split("|") if word),
                everywhere=row["where"] == "all",
                required=row["required"] == "yes",
            )
            for row in csv.DictReader(source)
        ]


def _lindung_catalogue() -> dict[str, str]:
    """msgid → msgstr of the compiled catalogue (.mo), plural forms joined; what the pages really use."""
    with (LOCALE / "id" / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)._catalog  # type: ignore[attr-defined]
    pairs: dict[str, str] = {}
    for key, msgstr in catalogue.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:
            pairs[msgid.split("\x04")[-1]] = f"{pairs.get(msgid, '')} {msgstr}".strip()
    return pairs


TERMS = _terms()


def test_the_glossary_file_is_well_formed():
    assert len(TERMS) >= 20
    assert all(term.english and term.indonesian for term in TERMS)
    assert len({term.english.lower() for term in TERMS}) == len(TERMS)


@pytest.mark.parametrize("term", TERMS, ids=lambda term: term.english)
def test_lindungs_translations_use_the_term_and_avoid_its_variants(term):
    wrong = []
    for msgid, msgstr in _lindung_catalogue().items():
        named = term.names(msgid)
        if term.everywhere or named:
            wrong += [f"{msgid!r} → {msgstr!r}: {word!r}" for word in term.misused(msgstr)]
        if term.required and named and term.indonesian.lower() not in msgstr.lower():
            wrong.append(f"{msgid!r} → {msgstr!r}: without {term.indonesian!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("term", [t for t in TERMS if t.everywhere], ids=lambda term: term.english)
def test_djangos_sentences_as_lindung_shows_them_avoid_the_variants(term):
    """Django's own catalogues come after Lindung's: a sentence of theirs with a word to avoid needs a sentence of
    ours (``lindung/web/django_sentences.py``)."""
    wrong = []
    with translation.override("id"):
        for folder in DJANGO_CATALOGUES:
            with (DJANGO / folder / "id" / "LC_MESSAGES" / "django.mo").open("rb") as compiled:
                msgids = [key for key in gettext.GNUTranslations(compiled)._catalog if isinstance(key, str) and key]  # type: ignore[attr-defined]
            for msgid in msgids:
                if "\x04" in msgid:
                    continue  # with a context: the calendar's month names and such, never these terms
                shown = translation.gettext(msgid)
                wrong += [f"{folder}: {msgid!r} → {shown!r}: {word!r}" for word in term.misused(shown)]
    assert not wrong, "\n".join(wrong)


def test_languages_are_named_in_their_own_language():
    with translation.override("id"):
        assert translation.gettext("English") == "English"
        assert translation.gettext("Indonesian") == "Bahasa Indonesia"
