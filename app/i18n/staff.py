"""The `staff` gettext domain: staff pages (login, admin, batches) in Swedish and English only.

Kept apart from `messages` so respondent-language translators never see staff strings. A staff
catalog falls back to the `messages` catalog for the shared layout (base.html, error pages).
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from app.i18n.locales import load_translations

DOMAIN = "staff"
STAFF_LANGUAGES = ("sv", "en")
FALLBACK = "en"


@lru_cache(maxsize=8)
def staff_translations(locale_dir: Path, babel_code: str) -> NullTranslations:
    shared = load_translations(locale_dir, babel_code)
    po = locale_dir / babel_code / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return shared
    with po.open("rb") as f:
        catalog = read_po(f, locale=babel_code, domain=DOMAIN)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    translations = Translations(fp=buf, domain=DOMAIN)
    translations.add_fallback(shared)
    return translations
