"""The languages Lyssna speaks, each with its own name, text direction and gettext catalog.

Kept as an explicit list (like Warehouse's KNOWN_LOCALES): a language is added deliberately,
with a catalog and a direction, never discovered from whatever Babel happens to know.

Tags are BCP 47 and are what URLs, cookies, questionnaire files and stored responses use. Where
CLDR (and so Babel) has no data for a language, `babel` names the locale used for formatting
numbers and dates instead, and `name` is always our own (CLDR would call Dari «فارسی (افغانستان)»).

- `sv-x-easy`: Easy Swedish (lättläst svenska). BCP 47 has no subtag for plain-language
  variants, so it is a private-use tag (`-x-`) on Swedish; formatting is Swedish.
- `prs`: Dari (ISO 639-3). CLDR has no `prs`; Babel formats with `fa_AF`.
- `kmr`: Northern Kurdish / Kurmanji, Latin script. CLDR calls it `ku`.
- `ckb`: Central Kurdish / Sorani, Arabic script (its own CLDR locale).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property, lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger("lyssna.i18n")

DOMAIN = "messages"  # respondent and public pages: what translators of every language see


@dataclass(frozen=True)
class WebFont:
    """A subset font served only on pages in one language (scripts phones may lack)."""

    stylesheet: str  # under app/static/fonts/
    font_file: str  # the woff2 file the stylesheet points at, under app/static/fonts/


ETHIOPIC = WebFont("ethiopic.css", "noto-sans-ethiopic-subset.woff2")


@dataclass(frozen=True)
class Language:
    code: str  # BCP 47 tag used in URLs, cookies, questionnaire files and stored responses
    name: str  # its own name, in its own script
    english_name: str  # for staff, documentation and the CLI
    babel: str  # Babel/CLDR locale used for formatting (and plural rules in CLDR)
    direction: str  # "ltr" or "rtl"
    plural_forms: str  # gettext Plural-Forms header; tests/i18n checks it against CLDR
    web_font: WebFont | None = None
    fallback_babel: str = "en"  # if `babel` is missing from this Babel's CLDR: never crash

    @property
    def catalog(self) -> str:
        """Folder under locales/ holding LC_MESSAGES/<domain>.po (the tag itself)."""
        return self.code

    @cached_property
    def locale(self) -> Locale:
        for candidate in (self.babel, self.fallback_babel):
            try:
                return Locale.parse(candidate)
            except (UnknownLocaleError, ValueError):
                log.warning("no CLDR data for %s; formatting falls back", candidate)
        return Locale.parse("en")

    @property
    def is_rtl(self) -> bool:
        return self.direction == "rtl"


_TWO = "nplurals=2; plural=(n != 1);"
_ONE_FOR_0_AND_1 = "nplurals=2; plural=(n > 1);"  # CLDR "one": 0 and 1 (fa, prs, ti)

LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language("sv", "Svenska", "Swedish", "sv", "ltr", _TWO),
        Language("sv-x-easy", "Lättläst svenska", "Easy Swedish", "sv", "ltr", _TWO,
                 fallback_babel="sv"),
        Language("en", "English", "English", "en", "ltr", _TWO),
        Language("ar", "العربية", "Arabic", "ar", "rtl",
                 "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
                 "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);"),
        Language("prs", "دری", "Dari", "fa_AF", "rtl", _ONE_FOR_0_AND_1, fallback_babel="fa"),
        Language("fa", "فارسی", "Persian", "fa", "rtl", _ONE_FOR_0_AND_1),
        Language("ps", "پښتو", "Pashto", "ps", "rtl", _TWO),
        Language("so", "Soomaali", "Somali", "so", "ltr", _TWO),
        Language("ti", "ትግርኛ", "Tigrinya", "ti", "ltr", _ONE_FOR_0_AND_1, web_font=ETHIOPIC),
        Language("uk", "Українська", "Ukrainian", "uk", "ltr",
                 "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
                 "(n%100<12 || n%100>14) ? 1 : 2);"),
        Language("kmr", "Kurmancî", "Northern Kurdish (Kurmanji)", "ku", "ltr", _TWO),
        Language("ckb", "کوردیی ناوەندی", "Central Kurdish (Sorani)", "ckb", "rtl", _TWO),
    ]
}
DEFAULT_LANGUAGE = "sv"
SOURCE_CATALOG = "en"
"""The msgids are English: the en catalog stays empty (gettext falls back to the msgid), so an
English wording is fixed once, in the template or code, never twice."""

# Accept-Language tags that do not name a Lyssna tag directly (lower case).
ALIASES: dict[str, str] = {
    "fa-af": "prs",
    "prs-af": "prs",
    "ku": "kmr",
    "ku-latn": "kmr",
    "ku-tr": "kmr",
    "ku-sy": "kmr",
    "kmr-latn": "kmr",
    "ku-arab": "ckb",
    "ckb-iq": "ckb",
    "ckb-ir": "ckb",
    "ckb-arab": "ckb",
}


def get_language(code: str | None) -> Language:
    return LANGUAGES.get(code or "", LANGUAGES[DEFAULT_LANGUAGE])


def catalog_path(locale_dir: Path, code: str, domain: str = DOMAIN) -> Path:
    return locale_dir / LANGUAGES[code].catalog / "LC_MESSAGES" / f"{domain}.po"


@lru_cache(maxsize=64)
def load_translations(locale_dir: Path, code: str, domain: str = DOMAIN) -> NullTranslations:
    """Compile the .po catalog in memory: no build step, and never a stale .mo file.

    Draft entries (flag `draft`) are compiled like reviewed ones: respondents see drafts.
    Only `fuzzy` entries (machine guesses after a source change) are left out.
    """
    lang = LANGUAGES.get(code)
    if lang is None:
        return NullTranslations()
    po = catalog_path(locale_dir, code, domain)
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, domain=domain)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf, domain=domain)


def _candidates(tag: str) -> list[str]:
    """Lyssna tags an Accept-Language tag may mean, most specific first."""
    parts = tag.split("-")
    found = []
    for n in range(len(parts), 0, -1):
        prefix = "-".join(parts[:n])
        found.append(ALIASES.get(prefix, prefix))
    return found


def negotiate(accept_language: str | None, available: list[str] | tuple[str, ...]) -> str | None:
    """Pick the best of `available` for an Accept-Language header (RFC 9110 q-values).

    fa-AF and prs mean Dari, ku and ku-Latn Kurmanji, ku-Arab and ckb Sorani; when Dari is not
    available, fa-AF still matches Persian (the same written language, near enough to help).
    """
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.strip().lower().replace("_", "-")))
    for _, _, tag in sorted(ranked):
        for candidate in _candidates(tag):
            if candidate in available:
                return candidate
    return None
