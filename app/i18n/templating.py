"""One Jinja2 environment with gettext installed once; the current language lives in a
ContextVar so each request renders in its own language without reinstalling anything."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

import jinja2
from babel.support import NullTranslations
from starlette.templating import Jinja2Templates

from app.i18n.locales import LANGUAGES, Language, get_language, load_translations

_language: ContextVar[Language] = ContextVar("language", default=LANGUAGES["sv"])
_translations: ContextVar[NullTranslations | None] = ContextVar("translations", default=None)
_NULL = NullTranslations()


class I18n:
    def __init__(self, locale_dir: Path):
        self.locale_dir = locale_dir

    def activate(self, code: str | None) -> Language:
        lang = get_language(code)
        _language.set(lang)
        _translations.set(load_translations(self.locale_dir, lang.babel))
        return lang

    def activate_staff(self, code: str | None) -> Language:
        """Staff pages: Swedish or English (else English), from the `staff` domain."""
        from app.i18n.staff import FALLBACK, STAFF_LANGUAGES, staff_translations

        lang = get_language(code if code in STAFF_LANGUAGES else FALLBACK)
        _language.set(lang)
        _translations.set(staff_translations(self.locale_dir, lang.babel))
        return lang


def current_language() -> Language:
    return _language.get()


def _active() -> NullTranslations:
    return _translations.get() or _NULL


def gettext(message: str) -> str:
    return _active().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _active().ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _active().pgettext(context, message)


_ = gettext


def make_templates(template_dir: Path) -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=jinja2.select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=gettext, ngettext=ngettext, pgettext=pgettext, newstyle=True
    )
    env.policies["ext.i18n.trimmed"] = True
    env.globals["current_language"] = current_language
    env.globals["languages"] = LANGUAGES
    return Jinja2Templates(env=env)
