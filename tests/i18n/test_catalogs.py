"""The UI catalogs: complete for every language of the target set, in step with the code, and
free of broken entries.

Languages whose translations are still being written are listed in PENDING, and only there: the
completeness test is an expected failure for them (strict, so it fails as soon as a language is
complete but still listed). The lead empties PENDING when the translations are merged.
"""

from __future__ import annotations

import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from app.i18n.catalogs import Finding, check, check_catalog, placeholders, read_catalog
from app.i18n.locales import LANGUAGES, SOURCE_CATALOG, catalog_path, load_translations
from app.settings import ROOT

LOCALES = ROOT / "locales"

# Languages whose UI translation is not finished yet. The ONLY way to exempt a language from
# the completeness test; remove a language as soon as its catalog is complete.
PENDING: set[str] = set()


def _findings(code: str, *kinds: str) -> list[Finding]:
    return [f for f in check(LOCALES)[code] if f.kind in kinds]


def _complete_param(code: str):  # type: ignore[no-untyped-def]
    pending = pytest.mark.xfail(strict=True, reason="translation pending (PENDING)")
    return pytest.param(code, marks=[pending] if code in PENDING else [], id=code)


class TestTemplateIsInStepWithTheCode:
    def test_every_string_in_the_code_is_in_messages_pot_and_nothing_else(self, tmp_path: Path):
        out = tmp_path / "messages.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F", "babel.cfg",
             "--add-comments=Translators:", "-o", str(out), "."],
            cwd=ROOT, check=True,
        )
        with out.open("rb") as f:
            fresh = {m.id for m in read_po(f) if m.id}
        with (LOCALES / "messages.pot").open("rb") as f:
            shipped = {m.id for m in read_po(f) if m.id}
        assert fresh - shipped == set(), "new strings: run `make messages`"
        assert shipped - fresh == set(), "strings no longer used: run `make messages`"


class TestEveryLanguageHasAHealthyCatalog:
    @pytest.mark.parametrize("code", list(LANGUAGES))
    def test_catalog_exists_with_the_languages_plural_forms(self, code):
        assert catalog_path(LOCALES, code).exists()
        assert _findings(code, "header") == []

    @pytest.mark.parametrize("code", list(LANGUAGES))
    def test_no_stale_fuzzy_or_broken_entries(self, code):
        assert _findings(code, "stale", "fuzzy", "placeholders", "plural", "source") == []

    @pytest.mark.parametrize("code", [_complete_param(c) for c in LANGUAGES])
    def test_every_ui_string_is_translated(self, code):
        missing = _findings(code, "missing")
        assert missing == [], f"{len(missing)} untranslated, e.g. {missing[:3]}"

    def test_pending_names_only_known_languages_and_never_the_source_languages(self):
        assert set(LANGUAGES) >= PENDING
        assert not PENDING & {"sv", SOURCE_CATALOG}


def _catalog(code: str, entries: list[tuple[object, object, set[str]]]) -> Catalog:
    catalog = Catalog(locale=None)
    catalog.mime_headers = [("Plural-Forms", LANGUAGES[code].plural_forms)]
    for msgid, msgstr, flags in entries:
        catalog.add(msgid, msgstr, flags=flags)
    return catalog


class TestTheCheckCatchesBrokenEntries:
    """The checker itself, on small hand-made catalogs."""

    TEMPLATE = _catalog("sv", [("Page %(n)s of %(total)s", "", set()),
                               (("%(n)s page left", "%(n)s pages left"), ("", ""), set())])

    def kinds(self, code: str, catalog: Catalog) -> list[str]:
        return sorted(f.kind for f in check_catalog(code, catalog, self.TEMPLATE))

    def test_a_renamed_placeholder(self):
        catalog = _catalog("sv", [("Page %(n)s of %(total)s", "Sida %(n)s av %(totalt)s", set()),
                                  (("%(n)s page left", "%(n)s pages left"),
                                   ("%(n)s sida kvar", "%(n)s sidor kvar"), set())])
        assert self.kinds("sv", catalog) == ["placeholders"]

    def test_an_empty_plural_form(self):
        catalog = _catalog("ar", [("Page %(n)s of %(total)s", "الصفحة %(n)s من %(total)s", set()),
                                  (("%(n)s page left", "%(n)s pages left"),
                                   ("لا صفحات", "صفحة واحدة", "صفحتان", "", "", ""), set())])
        assert self.kinds("ar", catalog) == ["plural"]

    def test_a_stale_entry_and_a_missing_one(self):
        catalog = _catalog("sv", [("Gone from the code", "Borta", set())])
        assert self.kinds("sv", catalog) == ["missing", "missing", "stale"]

    def test_a_wrong_plural_forms_header(self):
        catalog = _catalog("sv", [])
        catalog.mime_headers = [("Plural-Forms", "nplurals=2; plural=(n != 1);")]
        assert "header" in self.kinds("ti", catalog)

    def test_english_must_stay_empty_because_the_msgids_are_english(self):
        catalog = _catalog("en", [("Page %(n)s of %(total)s", "Side %(n)s of %(total)s", set())])
        assert self.kinds("en", catalog) == ["source"]

    def test_placeholders_are_read_like_python_does(self):
        assert placeholders("%(n)s of %(total)d, 100%%") == ["n", "total"]
        assert placeholders("%s and %d") == ["%d", "%s"]


class TestDraftsAreShownButListed:
    def test_draft_entries_are_compiled_and_fuzzy_ones_are_not(self):
        catalog = _catalog("ar", [("Next", "التالي", {"draft"}), ("Back", "رجوع", {"fuzzy"})])
        buf = BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        translations = Translations(fp=buf)
        assert translations.gettext("Next") == "التالي"
        assert translations.gettext("Back") == "Back"

    def test_the_draft_flag_survives_a_catalog_update(self, tmp_path: Path):
        from app.i18n.catalogs import update

        locales = tmp_path / "locales"
        (locales / "ar" / "LC_MESSAGES").mkdir(parents=True)
        (locales / "messages.pot").write_bytes((LOCALES / "messages.pot").read_bytes())
        source = catalog_path(LOCALES, "ar").read_bytes()
        catalog_path(locales, "ar").write_bytes(source)
        update(locales, codes=["ar"])
        updated = read_catalog(catalog_path(locales, "ar"))
        original = read_catalog(catalog_path(LOCALES, "ar"))
        drafts_before = {m.id for m in original if "draft" in m.flags}
        assert drafts_before
        assert {m.id for m in updated if "draft" in m.flags} == drafts_before

    def test_the_shipped_arabic_drafts_reach_the_page(self):
        load_translations.cache_clear()
        assert load_translations(LOCALES, "ar").gettext("Next") == "التالي"

    def test_drafts_command_lists_them(self):
        from click.testing import CliRunner

        from app.cli import main

        result = CliRunner().invoke(main, ["translations", "drafts", "--language", "ar"])
        assert result.exit_code == 0
        assert "ar\tui\tNext" in result.output.splitlines()
        assert all(line.startswith("ar\t") for line in result.output.splitlines())


class TestCheckCommand:
    def test_a_complete_catalog_passes(self):
        from click.testing import CliRunner

        from app.cli import main

        result = CliRunner().invoke(main, ["translations", "check", "--language", "sv"])
        assert (result.exit_code, result.output) == (0, "sv: ok\n")

    def test_an_incomplete_catalog_fails_and_lists_what_is_missing(self, tmp_path, monkeypatch):
        import shutil

        from click.testing import CliRunner

        from app.cli import main

        shutil.copytree(LOCALES, tmp_path / "locales")
        po = catalog_path(tmp_path / "locales", "ckb")
        catalog = read_catalog(po)
        catalog["Send my answers"].string = ""
        from app.i18n.catalogs import write_catalog

        write_catalog(po, catalog)
        monkeypatch.setenv("LYSSNA_LOCALE_DIR", str(tmp_path / "locales"))
        result = CliRunner().invoke(main, ["translations", "check", "--language", "ckb"])
        assert result.exit_code == 1
        lines = result.output.splitlines()
        assert lines[0].startswith("ckb: ") and lines[0].endswith(" missing")
        assert "  ckb: missing: 'Send my answers'" in lines
        assert "  ckb: missing: 'Next'" not in lines  # drafted already
