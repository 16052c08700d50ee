"""The registry's rules for a new worker, each written once with its one sentence.

They are half of the rule set for proposing a worker; ``lindung.enrolments.proposals`` holds the programme's
half and lists the whole set. Two paths apply them: the registration form, one worker at a time
(``services.worker_register``, ``worker_edit``), and the spreadsheet import, a whole upload at a time
(``lindung.imports``: row by row while it cleans the cells, then set-based on its staging table). Where a
rule's set form is SQL, the SQL is here beside the row form. They live with the registry rather than with the
enrolments because the registry's own service applies them, and it may not import the layers above it
(``docs/decisions/0006``).
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import partial, reduce

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext
from rapidfuzz import fuzz

from lindung.accounts.scope import RegionScope
from lindung.numbers import grouped
from lindung.rules.keys import Rule
from lindung.rules.selectors import rule_value
from lindung.workers.models import Worker
from lindung.workers.nik import NikIdentity, NikInfo, nik_mask

# --- birth date and sex against the NIK --------------------------------------------------------


def identity_mismatches(info: NikInfo | NikIdentity, *, birth_date: object, sex: object) -> dict[str, str]:
    """Where the birth date and sex contradict a valid NIK, by field (the form shows them with its other errors)."""
    problems: dict[str, str] = {}
    if isinstance(birth_date, dt.date) and info.birth_date and info.birth_date != birth_date:
        problems["birth_date"] = gettext("The date of birth does not match the NIK, which says %(date)s.") % {
            "date": f"{info.birth_date:%d-%m-%Y}"
        }
    if sex in ("L", "P") and info.sex and info.sex != sex:
        problems["sex"] = gettext(
            "The sex does not match the NIK: women have 40 added to the day of birth (digits 7–8)."
        )
    return problems


# --- the age limit at registration -------------------------------------------------------------
# A condition of registration only: a registered worker may grow older than the limit.


def age_limit(today: dt.date) -> int:
    """The age a worker must be under to be registered ``today`` (the rule in force)."""
    return rule_value(Rule.MAX_AGE_AT_REGISTRATION, on=today)


def too_old(birth_date: dt.date, *, today: dt.date, limit: int) -> str | None:
    """The sentence when a worker born on ``birth_date`` is not under ``limit`` (``age_limit``) ``today``."""
    # Whole years on ``today`` (computed here, not in a helper: an upload asks once per row).
    age = today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))
    if age < limit:
        return None
    return gettext("A worker must be under %(limit)d years old at registration; this person is %(age)d.") % {
        "limit": limit,
        "age": age,
    }


# --- the minimum declared income ---------------------------------------------------------------


def income_minimum(today: dt.date) -> int:
    return rule_value(Rule.MIN_DECLARED_INCOME, on=today)


def income_problem(income: object, *, minimum: int) -> str | None:
    """The sentence when ``income`` (whole rupiah a month) is missing or under ``minimum``."""
    if type(income) is int and income >= minimum:  # not a bool, which is an int too
        return None
    return gettext("The declared income must be at least Rp %(minimum)s a month.") % {"minimum": grouped(minimum)}


# --- the family card (KK) number ---------------------------------------------------------------

_KK_SEPARATORS = re.compile(r"[\s.\-]")


def kk_normalise(value: str) -> str:
    """The KK number without the spaces, dots and dashes people type between its digits."""
    return _KK_SEPARATORS.sub("", value)


def kk_problem(value: str) -> str | None:
    """The sentence when a (normalised) KK number is given but is not 16 digits; empty is allowed."""
    # ASCII digits: str.isdigit also takes "²", which int() and the database's check refuse.
    if not value or (len(value) == 16 and value.isascii() and value.isdigit()):
        return None
    return gettext("The family card (KK) number must be exactly 16 digits.")


# --- the village within the user's region ------------------------------------------------------


def village_outside_scope(village_code: str, *, scope: RegionScope) -> str | None:
    if scope.covers(village_code):
        return None
    return gettext("This village is outside your region.")


# --- a NIK already registered ------------------------------------------------------------------


def already_registered(*, holder_village: str, regency_name: str, scope: RegionScope) -> str:
    """The sentence for a NIK registered to the worker in ``holder_village`` (a regency named ``regency_name``).

    Outside the asker's region it says only the regency, so that they know whom to ask: no name, no village,
    no id (the form links to the worker only inside it: ``NikRegistered``).
    """
    if scope.covers(holder_village):
        return gettext("This NIK is already registered in %(regency)s.") % {"regency": regency_name}
    return gettext("This NIK is already registered in %(regency)s, outside your region.") % {"regency": regency_name}


def registered_before(*, regency_name: str, anonymised_on: dt.date) -> str:
    """The sentence for a NIK whose worker was anonymised when their records' retention ended (``nik_hash``): the
    same person, registered before; nothing of them is left to show but the regency and the day."""
    return gettext(
        "This NIK was registered before in %(regency)s; the record was anonymised on %(date)s when its retention "
        "period ended. Ask the data protection officer before registering this person again."
    ) % {"regency": regency_name, "date": f"{anonymised_on:%d-%m-%Y}"}


class NikRegistered(ValidationError):
    """A NIK another worker holds: ``already_registered``'s sentence on the ``nik`` field, and the holder's id
    in ``visible_pk`` when the asker's region covers them (the form links to their page), else ``None``."""

    def __init__(self, *, holder_pk: int, holder_village: str, regency_name: str, scope: RegionScope) -> None:
        message = already_registered(holder_village=holder_village, regency_name=regency_name, scope=scope)
        super().__init__({"nik": [message]})
        self.visible_pk = holder_pk if scope.covers(holder_village) else None


# --- likely duplicates -------------------------------------------------------------------------
# A worker of the same regency, born the same day, whose name is like the new one's ("Siti Aminah" / "Aminah,
# Siti" / "SITI  AMINAH.") is probably the same person typed twice under another NIK. The new worker is
# refused unless the user confirms that they are different people. The candidates are every such worker, as
# many as there are (the upload's join has no cap, nor has the form).

LIKELY_DUPLICATE_SCORE = 85  # rapidfuzz token_sort_ratio (0-100) of the folded names
_PUNCTUATION = re.compile(r"[^\w\s]")


def look_alike_sql(new: str, registered: str) -> str:
    """The set form's candidates, as a join condition between two tables with the worker's ``regency_code``,
    ``birth_date`` and ``name`` columns (aliases ``new`` and ``registered``): same regency and birth date,
    and names whose lengths are close enough to reach the score (``lengths_close``, written the same way)."""
    a, b = f"{registered}.name", f"{new}.name"
    return (
        f"{registered}.regency_code = {new}.regency_code AND {registered}.birth_date = {new}.birth_date"
        f" AND abs(length({a}) - length({b})) <= (length({a}) + length({b})) / 5 + 2"
    )


def lengths_close(a: str, b: str) -> bool:
    """``look_alike_sql``'s length condition in Python: names whose lengths differ more cannot reach the score
    (an indel ratio is at most 1 - |a - b| / (a + b)); the slack covers the spaces and case the score folds."""
    return abs(len(a) - len(b)) <= (len(a) + len(b)) // 5 + 2


def fold_name(name: str) -> str:
    """A name as the score compares it: case folded, punctuation read as a space."""
    return _PUNCTUATION.sub(" ", name.casefold())


# ``names_alike(a, b)``: two ``fold_name``-ed names are alike, the words in any order (the score, or 0 below it).
# A partial rather than a function: an upload compares millions of pairs.
names_alike = partial(fuzz.token_sort_ratio, score_cutoff=LIKELY_DUPLICATE_SCORE)


def worker_likely_duplicates(
    *, name: str, birth_date: dt.date, regency_code: str, exclude_pk: int | None = None
) -> list[Worker]:
    """The row form: registered workers like ``name`` born on ``birth_date`` in ``regency_code``, by id
    (unscoped: the caller decides what the user may be told of them)."""
    candidates = Worker.objects.filter(regency_code=regency_code, birth_date=birth_date).only(
        "pk", "nik", "name", "village", "regency_code"
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    folded = fold_name(name)
    return [
        worker
        for worker in candidates.order_by("pk").iterator(chunk_size=2_000)
        if lengths_close(name, worker.name) and names_alike(folded, fold_name(worker.name))
    ]


def workers_likely_duplicates(workers: Sequence[Worker]) -> dict[int, list[Worker]]:
    """The many-workers form of ``worker_likely_duplicates``: {worker id: the registered workers like them, by id},
    in one query over the (regency, birth date) pairs of ``workers`` (index ``worker_regency_birth``); unscoped."""
    if not workers:
        return {}
    condition = reduce(operator.or_, (Q(regency_code=w.regency_code, birth_date=w.birth_date) for w in workers))
    candidates: dict[tuple[str, dt.date], list[Worker]] = defaultdict(list)
    for candidate in (
        Worker.objects.filter(condition)
        .only("pk", "nik", "name", "village", "regency_code", "birth_date")
        .order_by("pk")
    ):
        candidates[(candidate.regency_code, candidate.birth_date)].append(candidate)
    found: dict[int, list[Worker]] = {}
    for worker in workers:
        folded = fold_name(worker.name)
        matches = [
            other
            for other in candidates[(worker.regency_code, worker.birth_date)]
            if other.pk != worker.pk
            and lengths_close(worker.name, other.name)
            and names_alike(folded, fold_name(other.name))
        ]
        if matches:
            found[worker.pk] = matches
    return found


def likely_duplicate(matches: Sequence[tuple[str, str, str]], *, scope: RegionScope) -> str:
    """The sentence for a new worker like the registered ``matches`` ((name, NIK, village), by id): the first
    the user may see is named with a masked NIK; one outside their region is only said to exist."""
    for name, nik, village in matches:
        if scope.covers(village):
            return gettext(
                "This looks like %(name)s (NIK %(nik)s), registered with the same birth date in this regency."
            ) % {"name": name, "nik": nik_mask(nik)}
    return gettext("This looks like a worker registered in another region with the same birth date.")


def likely_duplicate_in_file(*, name: str, row: int) -> str:
    """The sentence for a row like an earlier row of the same upload (the upload's own kind of look-alike)."""
    return gettext(
        "This looks like %(name)s in row %(row)d of this file, with the same birth date in this regency "
        "and another NIK."
    ) % {"name": name, "row": row}


def likely_duplicate_confirm_by_column(column: str) -> str:
    """How an upload confirms a look-alike (the form asks with a tick box)."""
    return gettext("If they are different people, write ya in the column %(column)s.") % {"column": column}


class LikelyDuplicates(Exception):
    """Workers that are probably the same person; the user must confirm before saving.

    ``visible`` are those inside the user's scope (shown masked); ``hidden_count`` the others; ``message``
    the rule's sentence.
    """

    def __init__(self, likely: Sequence[Worker], *, scope: RegionScope) -> None:
        self.visible = [worker for worker in likely if scope.covers(worker.village_id)]
        self.hidden_count = len(likely) - len(self.visible)
        self.message = likely_duplicate([(w.name, w.nik, w.village_id) for w in likely], scope=scope)
        super().__init__(f"{len(likely)} likely duplicates")
