"""One Jinja2 environment with gettext installed once; the current language lives in a
ContextVar so each request renders in its own language without reinstalling anything."""

from __future__ import annotations

from contextvars import ContextVar
from pathlib import Path

import jinja2
from babel.support import NullTranslations
from markupsafe import Markup, escape
from starlette.templating import Jinja2Templates

from app.i18n.locales import (
    LANGUAGES,
    SOURCE_CATALOG,
    Language,
    get_language,
    load_translations,
)

_language: ContextVar[Language] = ContextVar("language", default=LANGUAGES["sv"])
_translations: ContextVar[NullTranslations | None] = ContextVar("translations", default=None)
_NULL = NullTranslations()


class I18n:
    def __init__(self, locale_dir: Path):
        self.locale_dir = locale_dir
        self._complete: tuple[str, ...] | None = None

    def complete_languages(self) -> tuple[str, ...]:
        """Languages whose UI catalog has every string: offered on public pages (respondent
        pages offer the languages the questionnaire is complete in)."""
        if self._complete is None:
            from app.i18n.catalogs import check

            try:
                findings = check(self.locale_dir)
            except FileNotFoundError:  # no template: a bare checkout without locales/
                findings = {code: ["?"] for code in LANGUAGES if code != SOURCE_CATALOG}
            self._complete = tuple(code for code in LANGUAGES if not findings.get(code))
        return self._complete

    def activate(self, code: str | None) -> Language:
        lang = get_language(code)
        _language.set(lang)
        _translations.set(load_translations(self.locale_dir, lang.code))
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


def bdi(value: object) -> Markup:
    """Isolate a number or Latin fragment inside translated text, so it keeps its own direction
    in a right-to-left sentence (and vice versa): `{{ _("Page %(n)s", n=n|bdi) }}`."""
    return Markup("<bdi>%s</bdi>") % escape(value)


def make_templates(template_dir: Path, i18n: I18n | None = None) -> Jinja2Templates:
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
    env.globals["site_languages"] = i18n.complete_languages if i18n else (lambda: ())
    env.filters["bdi"] = bdi
    return Jinja2Templates(env=env)
