"""The printable sheet, single cards and "show on screen", read back with poppler and zbar:
every code decodes to its respondent URL, the hand-out guidance is on the sheet, and text in
other scripts is shaped (ANONYMITY.md R14; issue 4 "Output forms")."""

from __future__ import annotations

import io
import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fpdf import FPDF
from PIL import Image

from app.i18n.locales import LANGUAGES
from app.issuance import sheets
from app.issuance.plaintext import batch_tokens
from app.issuance.sheets import (
    COVER_HINT,
    GUIDANCE,
    GUIDANCE_TITLE,
    INVITATION,
    MARGIN,
    PER_PAGE,
    card_png,
    card_svg,
    screen_svg,
    sheet_pdf,
)
from app.issuance.tokens import grouped, new_token
from tests.issuance.pdftools import (
    cells,
    decode,
    decode_png,
    page_text,
    render_page,
    to_unicode_maps,
)

BASE = "http://127.0.0.1:8000"
ARABIC = LANGUAGES["ar"]
TIGRINYA = LANGUAGES["ti"]
AR_INVITATION = "أجب عن بعض الأسئلة دون الكشف عن هويتك: امسح الرمز أو اكتب العنوان."
TI_INVITATION = "ብዘይ ስም ሒደት ሕቶታት መልሱ፡ ነቲ ኮድ ስካን ግበሩ ወይ ነቲ ኣድራሻ ጸሓፉ።"
SV = {
    INVITATION: "Svara anonymt på några frågor: skanna koden eller skriv adressen.",
    GUIDANCE_TITLE: "Innan du delar ut korten",
    GUIDANCE[0]: "Klipp isär korten, blanda dem och låt var och en dra ett kort ur högen, så att "
                 "ingen vet vem som fick vilken kod.",
}


def write_catalog(root: Path, code: str, messages: dict[str, str]) -> None:
    folder = root / code / "LC_MESSAGES"
    folder.mkdir(parents=True)
    body = "".join(f'\nmsgid "{k}"\nmsgstr "{v}"\n' for k, v in
                   ((k.replace('"', '\\"'), v.replace('"', '\\"')) for k, v in messages.items()))
    (folder / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n' + body,
        encoding="utf-8")


@pytest.fixture
def locale_dir(tmp_path: Path) -> Path:
    """Catalogs as the languages work will ship them: Arabic and Tigrinya invitations."""
    root = tmp_path / "locales"
    write_catalog(root, "ar", {INVITATION: AR_INVITATION})
    write_catalog(root, "ti", {INVITATION: TI_INVITATION})
    return root


def urls(tokens: list[str]) -> list[str]:
    return [f"{BASE}/r/{t}" for t in tokens]


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.usefixtures("tools")
class TestEveryCodeDecodes:
    @pytest.mark.parametrize("per_page", [8, 12])
    def test_each_cell_of_the_first_card_page_decodes_to_its_url(
        self, per_page, locale_dir, tmp_path
    ):
        tokens = [new_token() for _ in range(per_page)]
        pdf = sheet_pdf(tokens, base_url=BASE, languages=[LANGUAGES["sv"], ARABIC],
                        locale_dir=locale_dir, per_page=per_page)
        page = render_page(pdf, 2, tmp_path)
        cols, rows = PER_PAGE[per_page]
        decoded = [decode(cell, tmp_path) for cell in cells(page, cols, rows, MARGIN)]
        assert decoded == [[u] for u in urls(tokens)]

    def test_a_real_batch_prints_exactly_its_tokens(self, engine, locale_dir, tmp_path):
        from tests.issuance.test_plaintext import ISSUED_AT, KEYS, issue

        batch, issued = issue(engine, count=14)
        from sqlmodel import Session

        from app.models import Batch

        with Session(engine) as session:
            tokens = batch_tokens(session, KEYS, session.get(Batch, batch.id),
                                  ISSUED_AT + timedelta(hours=1))
        pdf = sheet_pdf(tokens, base_url=BASE, languages=[LANGUAGES["en"]],
                        locale_dir=locale_dir, per_page=12)
        found = []
        for number in (2, 3):
            page = render_page(pdf, number, tmp_path)
            found += [u for cell in cells(page, 3, 4, MARGIN) for u in decode(cell, tmp_path)]
        assert found == urls(issued)
        assert len(re.findall(rb"/Type /Page\b(?!s)", pdf)) == 3  # guidance + two card pages

    @pytest.mark.parametrize("per_page", [8, 12])
    def test_the_address_with_each_code_is_grouped_for_typing(
        self, per_page, locale_dir, tmp_path
    ):
        tokens = [new_token() for _ in range(3)]
        pdf = sheet_pdf(tokens, base_url=BASE, languages=[LANGUAGES["en"]],
                        locale_dir=locale_dir, per_page=per_page)
        text = squash(page_text(pdf, 2, tmp_path))
        assert text.count("127.0.0.1:8000/r/") == 3
        for token in tokens:
            groups = grouped(token).split("-")
            if per_page == 12:
                assert grouped(token) in text
            else:  # two lines of three groups (pdftotext joins a line-final dash)
                assert "-".join(groups[:3]) in text and "-".join(groups[3:]) in text
            assert token not in text  # only the grouped form is printed

    def test_only_8_or_12_per_page(self, locale_dir):
        with pytest.raises(ValueError):
            sheet_pdf([new_token()], base_url=BASE, languages=[], locale_dir=locale_dir,
                      per_page=10)


@pytest.mark.usefixtures("tools")
class TestHandOutGuidance:
    def test_first_page_tells_the_ambassador_how_to_hand_out(self, locale_dir, tmp_path):
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[LANGUAGES["sv"]],
                        locale_dir=locale_dir)
        text = squash(page_text(pdf, 1, tmp_path))
        assert GUIDANCE_TITLE in text
        for point in GUIDANCE:
            assert squash(point) in text
        assert "shuffle" in text and "Never write names" in text and "Step away" in text
        assert '"Show on screen"' in text

    def test_guidance_appears_in_swedish_once_translated(self, tmp_path):
        root = tmp_path / "locales"
        write_catalog(root, "sv", {m: f"SV {m}" for m in
                                   (GUIDANCE_TITLE, *GUIDANCE, sheets.CUT_HINT,
                                    sheets.COUNT_LINE, sheets.UNTIL_LINE)} | SV)
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[LANGUAGES["en"]],
                        locale_dir=root)
        text = squash(page_text(pdf, 1, tmp_path))
        assert "Innan du delar ut korten" in text
        assert squash(SV[GUIDANCE[0]]) in text
        assert GUIDANCE_TITLE in text  # English as well
        assert text.index("Innan du delar ut korten") < text.index(GUIDANCE_TITLE)

    def test_the_shipped_catalogs_give_swedish_and_english(self, tmp_path):
        from app.settings import ROOT

        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[LANGUAGES["sv"]],
                        locale_dir=ROOT / "locales")
        text = squash(page_text(pdf, 1, tmp_path))
        assert "Innan du delar ut korten" in text and "blanda dem" in text
        assert GUIDANCE_TITLE in text and "shuffle them" in text

    def test_half_translated_guidance_is_left_out(self, tmp_path):
        root = tmp_path / "locales"
        write_catalog(root, "sv", SV)  # title and one point only
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[], locale_dir=root)
        text = squash(page_text(pdf, 1, tmp_path))
        assert "Innan du delar ut korten" not in text
        assert GUIDANCE_TITLE in text


@pytest.mark.usefixtures("tools")
class TestOtherScripts:
    def test_arabic_invitation_is_shaped_into_joined_forms(self, locale_dir, tmp_path):
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[ARABIC],
                        locale_dir=locale_dir)
        fonts = to_unicode_maps(pdf)
        naskh = next(m for name, m in fonts.items() if "NotoNaskhArabic" in name)
        glyphs_per_letter = Counter(t for t in naskh.values() if len(t) == 1)
        # Unshaped text draws one glyph per letter; joined Arabic draws a letter in up to four
        # contextual forms, e.g. ب initial in بعض and final in اكتب.
        assert glyphs_per_letter["\u0628"] >= 2
        assert sum(1 for n in glyphs_per_letter.values() if n >= 2) >= 5

    def test_arabic_reads_back_in_logical_order(self, locale_dir, tmp_path):
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[ARABIC],
                        locale_dir=locale_dir)
        text = page_text(pdf, 2, tmp_path)
        for word in ("الأسئلة", "هويتك", "العنوان"):
            assert word in text  # a left-to-right drawing would come back reversed

    def test_tigrinya_uses_the_ethiopic_font(self, locale_dir, tmp_path):
        pdf = sheet_pdf([new_token()], base_url=BASE, languages=[TIGRINYA],
                        locale_dir=locale_dir)
        assert any("Ethiopic" in name for name in to_unicode_maps(pdf))
        assert "ሕቶታት" in page_text(pdf, 2, tmp_path)

    def test_an_untranslated_language_falls_back_to_english_printed_once(
        self, locale_dir, tmp_path
    ):
        somali = LANGUAGES["so"]
        pdf = sheet_pdf([new_token()], base_url=BASE,
                        languages=[somali, LANGUAGES["en"], ARABIC], locale_dir=locale_dir)
        text = squash(page_text(pdf, 2, tmp_path))
        assert text.count(INVITATION) == 1
        assert "هويتك" in text


@pytest.mark.usefixtures("tools")
class TestFoldOverCards:
    def test_codes_only_on_the_inner_panel(self, locale_dir, tmp_path):
        tokens = [new_token() for _ in range(6)]
        pdf = sheet_pdf(tokens, base_url=BASE, languages=[LANGUAGES["en"]],
                        locale_dir=locale_dir, per_page=12, fold=True)
        page = render_page(pdf, 2, tmp_path)
        grid = cells(page, 3, 4, MARGIN)
        covers, inner = grid[0:3] + grid[6:9], grid[3:6] + grid[9:12]
        assert all(decode(cell, tmp_path) == [] for cell in covers)
        assert [decode(cell, tmp_path) for cell in inner] == [[u] for u in urls(tokens)]
        text = squash(page_text(pdf, 2, tmp_path))
        assert text.count(COVER_HINT) == 6
        assert "fold each card along the dashed line" in squash(page_text(pdf, 1, tmp_path))


def rasterise_svg(svg: str, tmp_path: Path) -> Image.Image:
    """fpdf2's own SVG renderer (independent of ours) draws the shapes; text is left out, since
    it only knows core fonts."""
    shapes = re.sub(r"<title>.*?</title>|<text .*?</text>", "", svg)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(shapes.encode()), x=20, y=20, w=120)
    return render_page(bytes(pdf.output()), 1, tmp_path, dpi=100)


@pytest.mark.usefixtures("tools")
class TestSingleCardsAndScreen:
    def test_png_card_decodes(self, locale_dir, tmp_path):
        token = new_token()
        data = card_png(token, base_url=BASE, languages=[LANGUAGES["sv"], ARABIC],
                        locale_dir=locale_dir)
        assert data.startswith(b"\x89PNG")
        assert decode_png(data, tmp_path) == urls([token])

    def test_png_card_carries_the_invitation_above_the_code(self, locale_dir):
        token = new_token()
        plain = Image.open(io.BytesIO(card_png(token, base_url=BASE, languages=[],
                                               locale_dir=locale_dir)))
        with_two = Image.open(io.BytesIO(card_png(token, base_url=BASE,
                                                  languages=[LANGUAGES["en"], ARABIC],
                                                  locale_dir=locale_dir)))
        assert with_two.height > plain.height  # one line per language

    def test_svg_card_decodes_and_marks_direction_per_language(self, locale_dir, tmp_path):
        token = new_token()
        svg = card_svg(token, base_url=BASE, languages=[LANGUAGES["en"], ARABIC],
                       locale_dir=locale_dir)
        assert decode(rasterise_svg(svg, tmp_path), tmp_path) == urls([token])
        assert f">{AR_INVITATION}</text>" in svg
        assert 'direction="rtl" xml:lang="ar"' in svg
        assert grouped(token) in svg

    def test_show_on_screen_gives_the_code_at_that_position(self, tmp_path):
        tokens = [new_token() for _ in range(3)]
        svg = screen_svg(tokens, 1, base_url=BASE)
        assert decode(rasterise_svg(svg, tmp_path), tmp_path) == urls(tokens[1:2])
        with pytest.raises(IndexError):
            screen_svg(tokens, 3, base_url=BASE)


@pytest.mark.usefixtures("tools")
class TestCommandLine:
    def test_tokens_issue_writes_the_sheet(self, engine, settings, monkeypatch, tmp_path):
        from tests.issuance.test_plaintext import run_cli

        out = tmp_path / "out.pdf"
        result = run_cli(["tokens", "issue", "--municipality", "linkoping", "--intervention",
                          "so", "--count", "8", "--pdf", str(out), "--per-page", "8",
                          "--languages", "sv,en"], settings, monkeypatch)
        assert result.exit_code == 0, result.output
        printed = [line for line in result.stdout.splitlines() if "/r/" in line]
        assert len(printed) == 8
        page = render_page(out.read_bytes(), 2, tmp_path)
        found = [u for cell in cells(page, 2, 4, MARGIN) for u in decode(cell, tmp_path)]
        base = settings.base_url.rstrip("/")
        assert found == printed and all(u.startswith(f"{base}/r/") for u in found)

    def test_unknown_language_is_refused_before_issuing(self, engine, settings, monkeypatch):
        from sqlalchemy import func, select
        from sqlmodel import Session

        from app.models import Batch
        from tests.issuance.test_plaintext import run_cli

        result = run_cli(["tokens", "issue", "--municipality", "linkoping", "--intervention",
                          "so", "--count", "2", "--languages", "xx"], settings, monkeypatch)
        assert result.exit_code != 0
        assert "unknown language 'xx'" in result.output
        with Session(engine) as session:
            assert session.execute(select(func.count()).select_from(Batch)).scalar_one() == 0


@pytest.mark.usefixtures("tools")
def test_downloadable_until_is_printed_when_given(locale_dir, tmp_path):
    until = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    pdf = sheet_pdf([new_token()], base_url=BASE, languages=[], locale_dir=locale_dir,
                    downloadable_until=until)
    assert "2026-11-28 09:00 UTC" in page_text(pdf, 1, tmp_path)
