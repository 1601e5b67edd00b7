"""Staff pages speak Swedish or English (gettext domain `staff`), nothing else."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from app.i18n.templating import I18n, gettext
from app.settings import ROOT
from tests.staff_factories import Staff, create_staff


class TestStaffLanguage:
    def test_swedish_from_the_browser(self, client):
        page = client.get("/staff/login", headers={"accept-language": "sv-SE"})
        assert "Inloggning för personal" in page.text
        assert 'lang="sv"' in page.text

    def test_english_from_the_browser(self, client):
        page = client.get("/staff/login", headers={"accept-language": "en-GB,en;q=0.8"})
        assert "Log in for staff" in page.text
        assert 'lang="en"' in page.text

    def test_other_respondent_languages_fall_back_to_english(self, settings):
        i18n = I18n(settings.locale_dir)
        for code in ["ar", "so", "ti", "fa", "uk"]:
            assert i18n.activate_staff(code).code == "en"
            assert gettext("Log in for staff") == "Log in for staff"
        assert i18n.activate_staff("sv").code == "sv"
        assert gettext("Log in for staff") == "Inloggning för personal"

    def test_messages_from_python_are_translated(self, client, engine):
        create_staff(engine, "a@example.org", "admin")
        client.headers["accept-language"] = "sv"
        response = Staff(client).login("a@example.org", "wrong password!")
        assert "E-postadressen eller lösenordet är fel." in response.text


class TestSwedishCatalog:
    def test_every_staff_message_has_a_swedish_translation(self):
        """Fails when a staff string is added without a Swedish translation (run
        `pybabel extract -F babel-staff.cfg -k N_ -o locales/staff.pot .` and translate)."""
        with (ROOT / "babel-staff.cfg").open() as f:
            method_map, options_map = parse_mapping_cfg(f)
        extracted = {
            (msg if isinstance(msg, str) else msg[0])
            for _, _, msg, _, _ in extract_from_dir(
                str(ROOT), method_map, options_map, keywords={
                    "_": None, "gettext": None, "ngettext": (1, 2), "N_": None})
        }
        with Path(ROOT / "locales/sv/LC_MESSAGES/staff.po").open("rb") as f:
            catalog = read_po(f)
        translated = {(m.id if isinstance(m.id, str) else m.id[0])
                      for m in catalog if m.id and m.string and not m.fuzzy}
        assert extracted, "extraction found nothing: check babel-staff.cfg"
        assert sorted(extracted - translated) == []

    def test_staff_strings_stay_out_of_the_respondent_catalog(self):
        with (ROOT / "locales/messages.pot").open("rb") as f:
            respondent = {m.id for m in read_po(f) if m.id}
        assert "Log in for staff" not in respondent
