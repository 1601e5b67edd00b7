"""The languages Lyssna speaks, each with its own name, text direction and gettext catalog.

Kept as an explicit list (like Warehouse's KNOWN_LOCALES): a language is added deliberately,
with a catalog and a direction, never discovered from whatever Babel happens to know.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


@dataclass(frozen=True)
class Language:
    code: str  # the tag used in URLs, cookies and stored responses
    name: str  # its own name, in its own script
    babel: str  # Babel/CLDR locale for formatting and the catalog folder name
    direction: str  # "ltr" or "rtl"

    @property
    def locale(self) -> Locale:
        return Locale.parse(self.babel)


LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in [
        Language("sv", "Svenska", "sv", "ltr"),
        Language("en", "English", "en", "ltr"),
    ]
}
DEFAULT_LANGUAGE = "sv"


def get_language(code: str | None) -> Language:
    return LANGUAGES.get(code or "", LANGUAGES[DEFAULT_LANGUAGE])


@lru_cache(maxsize=64)
def load_translations(locale_dir: Path, babel_code: str) -> NullTranslations:
    """Compile the .po catalog in memory: no build step, and never a stale .mo file."""
    po = locale_dir / babel_code / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f, locale=babel_code)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return Translations(fp=buf)


def negotiate(accept_language: str | None, available: list[str]) -> str | None:
    """Pick the best of `available` for an Accept-Language header (RFC 9110 q-values)."""
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
            ranked.append((-q, i, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        if tag in available:
            return tag
        primary = tag.split("-")[0]
        if primary in available:
            return primary
    return None
