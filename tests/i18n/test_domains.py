"""UI strings live in two gettext domains: `messages` (what respondents and the public see,
translated into every language of the target set) and `staff` (staff pages, Swedish and
English). Every file that calls gettext belongs to exactly one of them, so no string can slip
past extraction untranslated."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from babel.util import pathmatch

from app.settings import ROOT

GETTEXT_CALL = re.compile(r"(^|[^A-Za-z0-9_.])(_|gettext|ngettext|pgettext)\(|\{%-? trans")
CONFIGS = {"messages": "babel.cfg", "staff": "babel-staff.cfg"}


def patterns(config: str) -> list[str]:
    text = (ROOT / config).read_text()
    return re.findall(r"^\[(?:python|jinja2): ([^\]]+)\]", text, re.M)


def files_with_ui_strings() -> list[str]:
    found = []
    for path in sorted((ROOT / "app").rglob("*")):
        if "i18n" in path.parts:  # the gettext machinery itself, not UI strings
            continue
        if path.suffix in (".py", ".html") and GETTEXT_CALL.search(path.read_text()):
            found.append(path.relative_to(ROOT).as_posix())
    return found


class TestEveryFileIsInExactlyOneDomain:
    @pytest.mark.parametrize("path", files_with_ui_strings())
    def test_file_is_extracted_once(self, path: str):
        domains = [d for d, cfg in CONFIGS.items()
                   if any(pathmatch(p, path) for p in patterns(cfg))]
        assert len(domains) == 1, f"{path} is in {domains or 'no domain'}: edit babel*.cfg"


class TestStaffTemplateIsInStepWithTheCode:
    def test_staff_pot_matches_a_fresh_extraction(self, tmp_path: Path):
        out = tmp_path / "staff.pot"
        subprocess.run(
            [sys.executable, "-m", "babel.messages.frontend", "-q", "extract", "-F",
             "babel-staff.cfg", "-o", str(out), "."],
            cwd=ROOT, check=True,
        )
        with out.open("rb") as f:
            fresh = {m.id for m in read_po(f) if m.id}
        with (ROOT / "locales" / "staff.pot").open("rb") as f:
            shipped = {m.id for m in read_po(f) if m.id}
        assert fresh == shipped, "staff strings changed: run `make messages`"
