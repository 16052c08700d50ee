"""What every page must be, as the browser tests check it: no sideways scrolling, no text in the other language,
no code in the histories, no serious accessibility fault (axe-core), and light enough for a slow connection.

The browser crawl (``test_browser_crawl.py``) asks all of it of every page of every role; the village operator's
phone flow asks for no sideways scrolling at each step. The marker lists live here only, so that a false alarm is
fixed in one place.

axe-core comes from the npm registry at test time (``make axe``, part of ``make browsers``; the Makefile passes
its path in ``LINDUNG_TEST_AXE``): without it the check is skipped on a developer's machine and fails in CI.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, Response, ViewportSize

from lindung.browser_testing import running_in_ci

# The two screens: a phone (390×844) and a laptop.
PHONE = ViewportSize(width=390, height=844)
DESKTOP = ViewportSize(width=1366, height=900)

# Issue 17: no page above 150 KB on the wire (HTML, CSS, JS, SVG), downloads aside.
WEIGHT_BUDGET = 150 * 1024

# --- untranslated text ---------------------------------------------------------------------------------------
# Whole words (case-insensitive) that only the other language uses. They are looked for in the page's visible
# text, less what is marked as another language (``<option lang="en">English</option>``). The crawl's data avoid
# them in names and free text: a worker's address or a rejection reason typed in Indonesian stays Indonesian on
# an English page, rightly. Words both languages write the same way (Status, Total, Program, Filter, Data, NIK,
# KPJ) are not markers, nor are region kinds (Kabupaten, Kota, Desa: part of the regions' names).
ENGLISH_MARKERS = (
    "the",
    "and",
    "of",
    "with",
    "your",
    "you",
    "please",
    "select an option",
    "save",
    "cancel",
    "search",
    "delete",
    "download",
    "upload",
    "previous",
    "next",
    "workers?",
    "enrolments?",
    "claims?",
    "invoices?",
    "budget",
    "reports?",
    "settings",
    "password",
    "username",
    "this field is required",
    "page not found",
    "not found",
    "forbidden",
    "server error",
    "log in",
    "log out",
    "import",
    "export",
    # Months only English writes so (Indonesian: Januari, Mei, Agustus, Okt, Des...).
    "january",
    "february",
    "march",
    "may",
    "june",
    "july",
    "august",
    "october",
    "december",
    "aug",
    "oct",
    "dec",
)
INDONESIAN_MARKERS = (
    "yang",
    "dan",
    "dengan",
    "untuk",
    "dari",
    "tidak",
    "belum",
    "sudah",
    "pada",
    "ini",
    "simpan",
    "batal",
    "cari",
    "pilih",
    "ubah",
    "hapus",
    "unduh",
    "unggah",
    "kembali",
    "halaman",
    "sebelumnya",
    "berikutnya",
    "pekerja",
    "kepesertaan",
    "klaim",
    "iuran",
    "tagihan",
    "anggaran",
    "laporan",
    "pengguna",
    "sandi",
    "masuk",
    "keluar",
    "inggris",
    "aktif",
    "diusulkan",
    "ditolak",
    "berakhir",
    # Months only Indonesian writes so.
    "januari",
    "februari",
    "maret",
    "mei",
    "juni",
    "juli",
    "agustus",
    "oktober",
    "desember",
    "agu",
    "okt",
    "des",
)
# Menus whose options are names (villages, districts: "Ubah", "Sungai Dari" are villages of Kalbar), read without
# their options but for the empty one ("- choose -"), which is interface text.
NAMES_SELECTS = ", ".join(
    f'select[name$="{level}"], select[data-level="{level}"]' for level in ("village", "district", "regency", "region")
)
# Interface text that rightly quotes the other language: the values a BPJS answer file holds.
QUOTED = ("diterima or ditolak",)
MARKERS = {
    "id": re.compile(r"\b(" + "|".join(ENGLISH_MARKERS) + r")\b", re.IGNORECASE),
    "en": re.compile(r"\b(" + "|".join(INDONESIAN_MARKERS) + r")\b", re.IGNORECASE),
}
# Language names in their own language, whatever the page's (the header's language menu).
LANGUAGE_NAMES = {"id": "Bahasa Indonesia", "en": "English"}

# --- code-like history text ----------------------------------------------------------------------------------
# An action code (enrolment.activated), a Python value (True, False, "→ None"), a field name (coverage_start):
# histories and the audit log say what happened in sentences. File names (usulan.xlsx) are not codes.
_FILE_EXTENSIONS = "xlsx|xls|csv|ods|pdf|txt|html|zip|png|svg"
CODE_PATTERNS = (
    re.compile(rf"\b[a-z]{{3,}}(?:_[a-z]+)*\.(?!(?:{_FILE_EXTENSIONS})\b)[a-z]{{3,}}(?:_[a-z]+)*\b"),
    re.compile(r"(?<![A-Za-z])(?:True|False)(?![A-Za-z])"),
    re.compile(r"(?:→|->|:)\s*None\b|\bNone\s*(?:→|->)"),
)
# snake_case words are field names, unless they are a user's name (usernames appear as who did what).
SNAKE_CASE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


@functools.cache
def axe_source() -> str:
    """axe.min.js as ``make axe`` installed it; skips the test (fails it in CI) when missing."""
    path = Path(os.environ.get("LINDUNG_TEST_AXE") or "var/node/node_modules/axe-core/axe.min.js")
    if not path.is_file():
        message = f"axe-core is missing at {path}: run `make axe` (part of `make browsers`)"
        if running_in_ci():
            pytest.fail(f"CI=true and {message}", pytrace=False)
        pytest.skip(message)
    return path.read_text(encoding="utf-8")


# In one call (each is a round trip to the browser): why the page scrolls sideways (null: it does not) with the
# elements that stick out; the visible text of the page and of its main part, less what is marked as another
# language (lang="...") than the page's and literal values (<code>), plus the options of its visible menus; the
# language menu's options.
_INSPECT_JS = """(NAMES_SELECTS) => {
  const width = window.innerWidth;
  const scroll = document.documentElement.scrollWidth;
  let overflow = null;
  if (scroll > width) {
    const culprits = [];
    for (const el of document.body.querySelectorAll('*')) {
      const box = el.getBoundingClientRect();
      if (box.right > width + 1 && box.width > 0) {
        const parent = el.parentElement && el.parentElement.getBoundingClientRect();
        if (!parent || parent.right <= width + 1) {
          const classes = typeof el.className === 'string' && el.className.trim()
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '';
          const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + classes;
          culprits.push(`${name} (right edge ${Math.round(box.right)})`);
        }
      }
    }
    overflow = {scroll, width, culprits: culprits.slice(0, 5)};
  }
  const pageLang = document.documentElement.lang;
  // Literal values (a code, a key, a file's column) are shown as they are on purpose: <code>, <kbd>, <samp>.
  // Menus are read through options() below, which leaves out the names (villages) of NAMES_SELECTS.
  const foreign = [...document.querySelectorAll('body [lang], body code, body kbd, body samp, body select')]
    .filter(el => !el.hasAttribute('lang') || (el.lang && el.lang !== pageLang));
  const shown = foreign.map(el => el.style.display);
  foreign.forEach(el => { el.style.display = 'none'; });
  const options = root => [...root.querySelectorAll('select')]
    .filter(select => select.getClientRects().length)
    .flatMap(select => [...select.options].filter(o => !(o.value && select.matches(NAMES_SELECTS))
      && (!o.closest('[lang]') || o.closest('[lang]').lang === pageLang)))
    .map(o => o.text).join(' ');
  const main = document.querySelector('main') || document.body;
  const text = document.body.innerText + ' ' + options(document.body);
  const mainText = main.innerText + ' ' + options(main);
  foreign.forEach((el, i) => { el.style.display = shown[i]; });
  const menu = Object.fromEntries(
    [...document.querySelectorAll('select#language option')].map(o => [o.value, o.text.trim()]));
  return {overflow, text: text.replace(/\\s+/g, ' '), mainText: mainText.replace(/\\s+/g, ' '), menu};
}"""


@dataclass
class Inspection:
    overflow: str | None  # why the page scrolls sideways; None: it does not
    text: str  # the page's visible text in its language
    main_text: str  # the same, of <main>
    language_menu: dict[str, str]  # the header's language menu: its options' text by language code


def inspect(page: Page) -> Inspection:
    found: dict[str, Any] = page.evaluate(_INSPECT_JS, NAMES_SELECTS)
    wide = found["overflow"]
    return Inspection(
        overflow=None
        if wide is None
        else f"scrollWidth {wide['scroll']} > innerWidth {wide['width']}: {', '.join(wide['culprits'])}",
        text=found["text"],
        main_text=found["mainText"],
        language_menu=found["menu"],
    )


def overflow(page: Page) -> str | None:
    """Why the page scrolls sideways (``None``: it does not), with the elements that stick out."""
    return inspect(page).overflow


def settle(page: Page) -> None:
    """Wait two frames: what the page's script does on ``resize`` (after a viewport change) is done."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def untranslated(text: str, language: str) -> list[str]:
    """The other language's marker words in ``text`` with a few words around each, each word once."""
    found: dict[str, str] = {}
    for quoted in QUOTED:
        text = text.replace(quoted, " ")
    for match in MARKERS[language].finditer(text):
        before = text[max(0, match.start() - 25) : match.start()]
        found.setdefault(match.group(0).lower(), f"…{before}[{match.group(0)}]{text[match.end() : match.end() + 25]}…")
    return list(found.values())


def code_like(text: str, usernames: set[str]) -> list[str]:
    found = [match.group(0) for pattern in CODE_PATTERNS for match in pattern.finditer(text)]
    found += [word for word in SNAKE_CASE.findall(text) if word not in usernames]
    return list(dict.fromkeys(found))


def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each.

    The page's context must carry axe (``with_axe``).
    """
    results: list[dict[str, Any]] = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations
            .filter(v => v.impact === 'serious' || v.impact === 'critical')
            .map(v => ({id: v.id, impact: v.impact, help: v.help,
                        targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
                        html: v.nodes[0].html.slice(0, 160)}));
        }"""
    )
    return [f"{v['impact']} {v['id']} ({v['help']}): {', '.join(v['targets'])} [{v['html']}]" for v in results]


def with_axe(context: BrowserContext) -> None:
    """Put axe-core into every page ``context`` opens, before the page's own scripts.

    An init script rather than a ``<script>`` tag (``page.add_script_tag``): the site's Content-Security-Policy
    forbids inline scripts, and the crawl keeps that policy on, so that a script the policy blocks still fails
    it; an init script is outside the policy and does not count in the page's weight.
    """
    context.add_init_script(script=axe_source())


@dataclass
class WeightMeter:
    """The bytes on the wire (headers and encoded bodies) of what a page loads, downloads aside.

    Attach it to a page whose browser cache is off (``no_cache``): a page must be light on a first visit.
    """

    responses: list[Response] = field(default_factory=list)

    def attach(self, page: Page) -> None:
        page.on("response", lambda response: self.responses.append(response))

    def reset(self) -> None:
        self.responses.clear()

    def total(self) -> tuple[int, dict[str, int]]:
        """All bytes, and the bytes of each address (for the message of a page over budget)."""
        by_url: dict[str, int] = {}
        for response in self.responses:
            if "attachment" in (response.headers.get("content-disposition") or ""):
                continue
            sizes = response.request.sizes()
            by_url[response.url] = (
                by_url.get(response.url, 0) + sizes["responseBodySize"] + sizes["responseHeadersSize"]
            )
        return sum(by_url.values()), by_url


def no_cache(page: Page) -> None:
    """Turn the browser cache off for ``page`` (Chromium's DevTools protocol): every visit loads everything."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
