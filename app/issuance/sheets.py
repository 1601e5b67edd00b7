"""What an ambassador hands out: the printable A4 sheet, single cards and "show on screen".

All outputs are made from the plaintext tokens of a batch (app/issuance/plaintext.py) and the
server's base URL; nothing here touches the database. Text is shaped with HarfBuzz (fpdf2 +
uharfbuzz), so Arabic joins and runs right to left and Tigrinya's Ethiopic renders, with the
Noto fonts vendored in app/fonts/ (OFL, never downloaded at run time).

API for the staff pages and the CLI:

    sheet_pdf(tokens, base_url=..., languages=[Language, ...], locale_dir=...,
              per_page=12, fold=False, title="", downloadable_until=None,
              progress=None) -> bytes
        A4 PDF: page 1 is the hand-out guidance (Swedish + English, and each batch language
        whose catalog translates all of it), then the cards with cut marks: 12 per page (3 x 4,
        invitation above the code, address below) or 8 (2 x 4, a bigger code with the text in
        a column beside it). `fold=True` makes fold-over cards (cover panel with the
        invitation above a dashed fold line, inner panel with the code), half as many per
        page. `progress(done, total)` is called after each page of cards. CPU-bound (about
        4 s of CPU for 5,000 cards, bench/sheets.py): call it from a worker thread
        (`def` endpoint or asyncio.to_thread), not on the event loop.

    card_png(token, base_url=..., languages=..., locale_dir=...) -> bytes
    card_svg(token, base_url=..., languages=..., locale_dir=...) -> str
        One card (QR + grouped URL + invitation) for messaging apps.
    card_message(token, base_url=..., languages=..., locale_dir=...) -> str
        The invitation lines and the link, as text to send along with a card.
    screen_svg(tokens, index, base_url=...) -> str
        "Show on screen": the QR of token `index` (0-based) as an inline SVG that fills its
        container's width (width="100%", square viewBox; cap it with CSS, e.g. max-inline-size),
        with the URL as <title>. The page around it, the grouped address under it
        (display_url) and the next-code navigation belong to the staff UI.
    respondent_url(base_url, token) / display_url(base_url, token)
        The URL a code encodes, and the same without scheme, grouped for typing.

Typical download endpoint (the staff pages own routing, roles and the audit log):

    now = datetime.now(UTC)
    tokens = plaintext.batch_tokens(session, keys, batch, now)  # OutputsGone -> 410 page
    pdf = sheet_pdf(tokens, base_url=settings.base_url, languages=chosen,
                    locale_dir=settings.locale_dir, per_page=12,
                    downloadable_until=plaintext.downloadable_until(session, batch, now))

`languages` are app.i18n.locales.Language objects (the batch's chosen languages); each text
goes through that language's gettext catalog in `locale_dir`, so untranslated languages fall
back to English and are then printed only once.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from fpdf import FPDF

from app.i18n.locales import LANGUAGES, Language, load_translations
from app.issuance.qr import QR
from app.issuance.tokens import grouped

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FONTS = {
    "sans": "NotoSans-Regular.ttf",
    "naskh": "NotoNaskhArabic-Regular.ttf",
    "ethiopic": "NotoSansEthiopic-Regular.ttf",
}
PER_PAGE = {8: (2, 4), 12: (3, 4)}  # columns, rows
PAGE_W, PAGE_H = 210.0, 297.0  # A4, mm
MARGIN = 10.0  # printers rarely print closer to the edge
GUIDANCE_LANGUAGES = ("sv", "en")  # ambassadors' working languages, always on the guidance page


def _(message: str) -> str:
    """Marks a msgid for extraction; the text is translated per language at render time."""
    return message


INVITATION = _("Answer a few questions anonymously: scan the code or type the address.")
COVER_HINT = _("Your personal code is inside. Open it when you are alone.")
GUIDANCE_TITLE = _("Before you hand out these cards")
GUIDANCE = (
    _("Cut the cards apart, shuffle them, and let each person draw one from the stack, so that "
      "nobody knows who got which code."),
    _("Never write names, phone numbers or anything else next to the codes."),
    _("Step away while people answer. They may also answer later, in private."),
    _("Each code works once. You will only see how many codes have been used, never whose, and "
      "only after a delay."),
    _("\"Show on screen\" (one code at a time on your phone) lets you see who got which code. "
      "The answers stay anonymous even then, because a code cannot be used to read anyone's "
      "answers and counts change only after a delay. Still, prefer shuffled cards when you can."),
)
FOLD_GUIDANCE = _("Fold-over cards: fold each card along the dashed line, with the code inside, "
                  "before shuffling.")
CUT_HINT = _("Cut along the marks.")
COUNT_LINE = _("%(count)s cards.")
UNTIL_LINE = _("These codes can be downloaded again until %(until)s UTC; after that they are "
               "destroyed on the server.")


def respondent_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}/r/{token}"


def display_url(base_url: str, token: str) -> tuple[str, str]:
    """The address as printed: host and path without the scheme, then the token grouped."""
    host = base_url.rstrip("/").split("://", 1)[-1]
    return f"{host}/r/", grouped(token)


def texts(
    languages: Sequence[Language], locale_dir: Path, message: str
) -> list[tuple[Language, str]]:
    """`message` in each language, dropping languages that only fall back to the English text
    (printed once, as English) and duplicates."""
    seen: set[str] = set()
    out: list[tuple[Language, str]] = []
    for language in languages:
        text = load_translations(locale_dir, language.babel).gettext(message)
        if text == message and language.code != "en":
            continue
        if text not in seen:
            seen.add(text)
            out.append((language, text))
    if not out:
        out.append((LANGUAGES["en"], message))
    return out


# --- PDF ----------------------------------------------------------------------------------------


def _new_pdf() -> FPDF:
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_margin(0)
    pdf.set_auto_page_break(False)
    pdf.set_creator("Lyssna")
    for family, file in FONTS.items():
        pdf.add_font(family, fname=str(FONT_DIR / file))
    pdf.set_fallback_fonts(["naskh", "ethiopic"], exact_match=False)
    pdf.set_text_shaping(True)
    return pdf


def _fit(pdf: FPDF, text: str, width: float, size: float, smallest: float) -> float:
    """The largest font size <= `size` at which `text` fits in `width` mm on one line."""
    pdf.set_font("sans", size=size)
    natural = pdf.get_string_width(text)
    if natural <= width:
        return size
    return max(smallest, size * width / natural)


@dataclass(frozen=True)
class _Layout:
    cols: int
    rows: int
    cell_w: float
    cell_h: float
    fold: bool

    @classmethod
    def make(cls, per_page: int, fold: bool) -> _Layout:
        if per_page not in PER_PAGE:
            raise ValueError(f"per_page must be one of {sorted(PER_PAGE)}")
        cols, rows = PER_PAGE[per_page]
        return cls(cols, rows, (PAGE_W - 2 * MARGIN) / cols, (PAGE_H - 2 * MARGIN) / rows, fold)

    @property
    def side_by_side(self) -> bool:
        return self.cols == 2 and not self.fold

    @property
    def codes_per_page(self) -> int:
        return self.cols * self.rows // (2 if self.fold else 1)

    def slots(self) -> list[tuple[float, float]]:
        """Top-left corner of each code's QR panel, in reading order."""
        out = []
        step = 2 if self.fold else 1
        for row in range(0, self.rows, step):
            for col in range(self.cols):
                out.append((MARGIN + col * self.cell_w, MARGIN + (row + step - 1) * self.cell_h))
        return out


class _Stamp:
    """A piece of page content drawn once by fpdf2 (shaped, with fallback fonts) and then
    replayed at other places: every card carries the same invitation, so shaping it once per
    document instead of once per card is what makes a 5,000-card sheet fast."""

    def __init__(self, pdf: FPDF, width: float, height: float, text: str, size: float,
                 *, wrap: bool = False, align: str = "C"):
        """One centred line `height` mm high, or with `wrap` a paragraph of such lines."""
        contents = pdf.pages[pdf.page].contents
        start = len(contents)
        pdf.set_font("sans", size=size)
        pdf.set_xy(0, 0)
        if wrap:
            pdf.multi_cell(width, height, text, align=align, new_x="LMARGIN", new_y="NEXT")
            height = pdf.get_y()
        else:
            pdf.cell(width, height, text, align=align)
        font = pdf.fonts["sans"]
        self.ops = f"BT /F{font.i} {size:.2f} Tf ET\n" + bytes(contents[start:]).decode("latin1")
        del contents[start:]
        self.height = height

    def at(self, pdf: FPDF, x: float, y: float) -> str:
        return f"q 1 0 0 1 {x * pdf.k:.2f} {-y * pdf.k:.2f} cm\n{self.ops}Q"


class _RawText:
    """Centred one-line Latin text (the token) written as PDF operators: no shaping needed, and
    fpdf2's per-cell machinery would cost more than the QR code itself."""

    def __init__(self, pdf: FPDF, alphabet: str):
        self.font = pdf.fonts["sans"]
        self.glyphs = {c: chr(self.font.subset.pick(ord(c))) for c in alphabet}
        self.widths = {c: self.font.cw[ord(c)] for c in alphabet}

    def centred(self, pdf: FPDF, text: str, x: float, y: float, width: float, height: float,
                size: float) -> str:
        text_w = self.width(text, size, pdf)
        return self.left(pdf, text, x + (width - text_w) / 2, y, height, size)

    def width(self, text: str, size: float, pdf: FPDF) -> float:
        return sum(self.widths[c] for c in text) * size * 0.001 / pdf.k

    def left(self, pdf: FPDF, text: str, left: float, y: float, height: float,
             size: float) -> str:
        baseline = y + 0.5 * height + 0.3 * size / pdf.k
        glyphs = self.font.escape_text("".join(self.glyphs[c] for c in text))
        return (f"BT /F{self.font.i} {size:.2f} Tf {left * pdf.k:.2f} "
                f"{(PAGE_H - baseline) * pdf.k:.2f} Td ({glyphs}) Tj ET")


def _register_fonts(pdf: FPDF) -> None:
    """Declare every font on the current page: replayed stamps use them without fpdf2 knowing."""
    for family in FONTS:
        pdf._out(pdf._set_font_for_page(pdf.fonts[family], 7))


def sheet_pdf(
    tokens: Sequence[str],
    *,
    base_url: str,
    languages: Sequence[Language],
    locale_dir: Path,
    per_page: int = 12,
    fold: bool = False,
    title: str = "",
    downloadable_until: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The printable A4 sheet: guidance page, then QR cards with cut marks."""
    layout = _Layout.make(per_page, fold)
    pdf = _new_pdf()
    _guidance_page(pdf, languages, locale_dir, title, len(tokens), fold, downloadable_until)
    pad = 3.0
    inner_w = layout.cell_w - 2 * pad
    base = 7.5 if per_page == 8 else 6.5
    host_size, token_size = (8.0, 10.0) if per_page == 8 else (7.0, 8.5)
    pdf.add_page()
    invitations = [t for _, t in texts(languages, locale_dir, INVITATION)]
    inv_stamps = [_Stamp(pdf, inner_w, s * 0.45, t, s)
                  for t in invitations for s in [_fit(pdf, t, inner_w, base, 5.0)]]
    cover_stamps = [_Stamp(pdf, inner_w, s * 0.5, t, s)
                    for t in invitations + [t for _, t in texts(languages, locale_dir, COVER_HINT)]
                    for s in [_fit(pdf, t, inner_w, base + 1, 5.0)]]
    host, _code = display_url(base_url, tokens[0] if tokens else "")
    host_stamp = _Stamp(pdf, inner_w, host_size * 0.42, host, host_size)
    raw = _RawText(pdf, "0123456789abcdefghjkmnpqrstvwxyz-")
    text_stamps = [] if fold else inv_stamps
    inv_h = sum(st.height for st in text_stamps)
    token_h = token_size * 0.42
    gap = 2.5  # light space around the code, on top of its own quiet zone cut by text
    qr_size = min(inner_w - 4,
                  layout.cell_h - 2 * pad - inv_h - host_stamp.height - token_h - 2 * gap)
    side = layout.side_by_side
    if side:  # 8 per page: the code on the left, the text in a column to its right
        qr_size = 46.0
        col_x = 4 + qr_size + 3
        col_w = layout.cell_w - col_x - pad
        room = layout.cell_h - 2 * pad - 2 - host_size * 0.42 - 2 * token_size * 0.45
        for size in (8.0, 7.5, 7.0, 6.5, 6.0, 5.5, 5.0):  # the largest that fits the column
            side_stamps = [
                _Stamp(pdf, col_w, size * 0.44, text, size, wrap=True,
                       align="R" if lang.direction == "rtl" else "L")
                for lang, text in texts(languages, locale_dir, INVITATION)
            ]
            if sum(st.height + 1.5 for st in side_stamps) <= room:
                break
        side_host = _Stamp(pdf, col_w, host_size * 0.42, host, host_size, align="L")
    k = pdf.k
    slots = layout.slots()
    total = len(tokens)
    first = True
    for start in range(0, total, layout.codes_per_page):
        if not first:
            pdf.add_page()
        first = False
        _register_fonts(pdf)
        chunk = tokens[start : start + layout.codes_per_page]
        _cut_marks(pdf, layout)
        ops: list[str] = []
        for token, (x, y) in zip(chunk, slots, strict=False):
            if side:
                ops.extend(_side_card(pdf, raw, token, base_url, x, y, layout, qr_size, col_x,
                                      col_w, side_stamps, side_host, token_size))
                continue
            cy = y + pad
            for stamp in text_stamps:
                ops.append(stamp.at(pdf, x + pad, cy))
                cy += stamp.height
            cy += gap
            qx = x + (layout.cell_w - qr_size) / 2
            ops.append(QR.make(respondent_url(base_url, token)).pdf_path(
                qx * k, (PAGE_H - cy) * k, qr_size * k))
            cy += qr_size + gap
            ops.append(host_stamp.at(pdf, x + pad, cy))
            cy += host_stamp.height
            ops.append(raw.centred(pdf, grouped(token), x + pad, cy, inner_w, token_h,
                                   token_size))
            if fold:
                ops.extend(_cover_panel(pdf, cover_stamps, len(invitations), x + pad,
                                        y - layout.cell_h + pad, layout.cell_h - 2 * pad))
        pdf._out("\n".join(ops))
        if progress is not None:
            progress(min(start + layout.codes_per_page, total), total)
    return bytes(pdf.output())


def _side_card(pdf: FPDF, raw: _RawText, token: str, base_url: str, x: float, y: float,
               layout: _Layout, qr_size: float, col_x: float, col_w: float,
               stamps: list[_Stamp], host: _Stamp, token_size: float) -> list[str]:
    """An 8-per-page card: the code on the left, invitations and address on the right, the
    token over two lines of three groups."""
    k = pdf.k
    qy = y + (layout.cell_h - qr_size) / 2
    ops = [QR.make(respondent_url(base_url, token)).pdf_path(
        (x + 4) * k, (PAGE_H - qy) * k, qr_size * k)]
    groups = grouped(token).split("-")
    lines = ["-".join(groups[:3]) + "-", "-".join(groups[3:])]
    usable = col_w - 2 * pdf.c_margin
    token_size = min(token_size, *(usable / raw.width(line, 1.0, pdf) for line in lines))
    line_h = token_size * 0.45
    height = sum(st.height + 1.5 for st in stamps) + 2 + host.height + 2 * line_h
    cy = y + max(3.0, (layout.cell_h - height) / 2)
    for stamp in stamps:
        ops.append(stamp.at(pdf, x + col_x, cy))
        cy += stamp.height + 1.5
    cy += 2
    ops.append(host.at(pdf, x + col_x, cy))
    cy += host.height
    for line in lines:
        ops.append(raw.left(pdf, line, x + col_x + pdf.c_margin, cy, line_h, token_size))
        cy += line_h
    return ops


def _cover_panel(pdf: FPDF, stamps: list[_Stamp], invitations: int, x: float, y: float,
                 h: float) -> list[str]:
    """The fold-over card's cover: the invitation and a hint that the code is inside."""
    height = sum(st.height for st in stamps) + 3
    cy = y + (h - height) / 2
    ops = []
    for i, stamp in enumerate(stamps):
        if i == invitations:
            cy += 3
        ops.append(stamp.at(pdf, x, cy))
        cy += stamp.height
    return ops


def _cut_marks(pdf: FPDF, layout: _Layout) -> None:
    """Marks in the margin at every cut, small crosses where cuts meet, and a dashed fold line
    across each fold-over card."""
    pdf.set_draw_color(120)
    pdf.set_line_width(0.2)
    xs = [MARGIN + c * layout.cell_w for c in range(layout.cols + 1)]
    ys = [MARGIN + r * layout.cell_h for r in range(layout.rows + 1)]
    step = 2 if layout.fold else 1
    cut_ys = ys[::step]
    for x in xs:
        pdf.line(x, 2, x, MARGIN - 2)
        pdf.line(x, PAGE_H - MARGIN + 2, x, PAGE_H - 2)
    for y in cut_ys:
        pdf.line(2, y, MARGIN - 2, y)
        pdf.line(PAGE_W - MARGIN + 2, y, PAGE_W - 2, y)
    for x in xs:
        for y in cut_ys:
            pdf.line(x - 2, y, x + 2, y)
            pdf.line(x, y - 2, x, y + 2)
    if layout.fold:
        pdf.set_dash_pattern(dash=1.5, gap=1.5)
        for r in range(1, layout.rows, 2):
            pdf.line(MARGIN, ys[r], PAGE_W - MARGIN, ys[r])
        pdf.set_dash_pattern()


def _guidance_page(pdf: FPDF, languages: Sequence[Language], locale_dir: Path, title: str,
                   count: int, fold: bool, until: datetime | None) -> None:
    """Page 1: how to hand the cards out so nobody can tell who got which code (ANONYMITY.md
    A.6 hand-out practice, R14), in Swedish, English and every batch language whose catalog
    translates all of it."""
    pdf.add_page()
    width = PAGE_W - 2 * 18
    pdf.set_xy(18, 18)
    if title:
        pdf.set_font("sans", size=9)
        pdf.set_text_color(90)
        pdf.multi_cell(width, 5, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
    pdf.set_y(pdf.get_y() + 2)
    points = GUIDANCE + ((FOLD_GUIDANCE,) if fold else ()) + (CUT_HINT,)
    messages = (GUIDANCE_TITLE, *points, COUNT_LINE, UNTIL_LINE)
    for language, gettext in guidance_languages(languages, locale_dir, messages):
        align = "R" if language.direction == "rtl" else "L"
        pdf.set_x(18)
        pdf.set_font("sans", size=13)
        pdf.multi_cell(width, 7, gettext(GUIDANCE_TITLE), align=align, new_x="LMARGIN",
                       new_y="NEXT")
        pdf.set_font("sans", size=10)
        for point in points:
            pdf.set_x(18)
            text = gettext(point)
            bullet = f"{text} •" if language.direction == "rtl" else f"• {text}"
            pdf.multi_cell(width, 5.2, bullet, align=align, new_x="LMARGIN", new_y="NEXT")
            pdf.set_y(pdf.get_y() + 1)
        facts = gettext(COUNT_LINE) % {"count": count}
        if until is not None:
            moment = until.astimezone(UTC) if until.tzinfo else until
            facts += " " + gettext(UNTIL_LINE) % {"until": f"{moment:%Y-%m-%d %H:%M}"}
        pdf.set_x(18)
        pdf.set_font("sans", size=9)
        pdf.set_text_color(90)
        pdf.multi_cell(width, 5, facts, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(0)
        pdf.set_y(pdf.get_y() + 6)


def guidance_languages(languages: Sequence[Language], locale_dir: Path,
                       messages: Sequence[str]) -> list[tuple[Language, Callable[[str], str]]]:
    """Swedish and English first, then the batch languages; a language other than English is
    included only when its catalog translates every message (no half-translated guidance)."""
    chosen = [LANGUAGES[c] for c in GUIDANCE_LANGUAGES if c in LANGUAGES]
    chosen += [lang for lang in languages if lang.code not in GUIDANCE_LANGUAGES]
    out = []
    for language in chosen:
        gettext = load_translations(locale_dir, language.babel).gettext
        if language.code != "en" and any(gettext(m) == m for m in messages):
            continue
        out.append((language, gettext))
    return out


# --- Single cards and show on screen ------------------------------------------------------------


@lru_cache(maxsize=16)
def _card_font(family: str, size: int):  # type: ignore[no-untyped-def]
    from PIL import ImageFont

    return ImageFont.truetype(str(FONT_DIR / FONTS[family]), size,
                              layout_engine=ImageFont.Layout.RAQM)


def _family(text: str) -> str:
    """Pillow has no per-glyph fallback: pick the font by the line's script."""
    if any("\u0600" <= c <= "\u06ff" or "\u0750" <= c <= "\u077f" for c in text):
        return "naskh"
    if any("\u1200" <= c <= "\u139f" or "\u2d80" <= c <= "\u2ddf" for c in text):
        return "ethiopic"
    return "sans"


def card_png(token: str, *, base_url: str, languages: Sequence[Language],
             locale_dir: Path, width: int = 720) -> bytes:
    """A card as PNG for messaging apps: invitation lines (shaped by Pillow's libraqm, right to
    left where the language is), the QR and the grouped address."""
    from PIL import Image, ImageDraw

    qr = QR.make(respondent_url(base_url, token))
    module = max(4, width // (qr.size + 8))
    code_img = qr.image(module_px=module, quiet=4).convert("L")
    side = code_img.width
    host, code = display_url(base_url, token)
    invitations = texts(languages, locale_dir, INVITATION)
    probe = ImageDraw.Draw(Image.new("L", (1, 1)))
    lines = []
    for language, text in invitations:
        family, size = _family(text), 30
        direction = "rtl" if language.direction == "rtl" else "ltr"
        while size > 14 and probe.textlength(text, font=_card_font(family, size),
                                             direction=direction) > side - 24:
            size -= 1
        lines.append((text, family, size, direction))
    top = 16 + sum(int(size * 1.6) for *_, size, _d in lines)
    card = Image.new("L", (side, top + side + 120), 255)
    draw = ImageDraw.Draw(card)
    y = 16
    for text, family, size, direction in lines:
        font = _card_font(family, size)
        w = draw.textlength(text, font=font, direction=direction)
        draw.text(((side - w) / 2, y), text, font=font, fill=0, direction=direction)
        y += int(size * 1.6)
    card.paste(code_img, (0, top))
    y = top + side
    for text, size in ((host, 30), (code, 40)):
        while size > 12 and draw.textlength(text, font=_card_font("sans", size)) > side - 24:
            size -= 1
        font = _card_font("sans", size)
        draw.text(((side - draw.textlength(text, font=font)) / 2, y), text, font=font, fill=0)
        y += int(size * 1.4)
    buf = io.BytesIO()
    card.save(buf, format="PNG", optimize=True)
    return buf.getvalue()


def card_message(token: str, *, base_url: str, languages: Sequence[Language],
                 locale_dir: Path) -> str:
    """The text to send with a PNG card: the invitation in each language, then the link."""
    lines = [t for _, t in texts(languages, locale_dir, INVITATION)]
    return "\n".join([*lines, respondent_url(base_url, token)])


def card_svg(token: str, *, base_url: str, languages: Sequence[Language],
             locale_dir: Path) -> str:
    """One card as SVG: invitation lines (the viewer shapes them, with dir per language), the
    QR and the grouped address."""
    qr = QR.make(respondent_url(base_url, token))
    quiet = 4
    total = qr.size + 2 * quiet
    invitations = texts(languages, locale_dir, INVITATION)
    line = 2.2  # in modules
    top = len(invitations) * line + 1
    host, code = display_url(base_url, token)
    height = top + total + 2 * line + 1
    path = "".join(f"M{x + quiet} {y + quiet + top:g}h{n}v1h-{n}z" for x, y, n in qr.runs)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {height:g}" '
        f'width="{total * 10}" height="{height * 10:g}" role="img">',
        f"<title>{escape(respondent_url(base_url, token))}</title>",
        f'<rect width="{total}" height="{height:g}" fill="#fff"/>',
    ]
    for i, (language, text) in enumerate(invitations):
        parts.append(
            f'<text x="{total / 2:g}" y="{(i + 1) * line:g}" font-size="1.5" text-anchor="middle" '
            f'font-family="Noto Sans, Noto Naskh Arabic, Noto Sans Ethiopic, sans-serif" '
            f'direction="{language.direction}" xml:lang="{language.code}">{escape(text)}</text>'
        )
    parts.append(f'<path fill="#000" shape-rendering="crispEdges" d="{path}"/>')
    for i, (text, size) in enumerate(((host, 1.6), (code, 2.0))):
        parts.append(
            f'<text x="{total / 2:g}" y="{top + total + (i + 1) * line:g}" font-size="{size}" '
            f'text-anchor="middle" font-family="Noto Sans, sans-serif">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def screen_svg(tokens: Sequence[str], index: int, *, base_url: str) -> str:
    """"Show on screen": token `index`'s QR as a big SVG that scales to the phone's width."""
    if not 0 <= index < len(tokens):
        raise IndexError(index)
    url = respondent_url(base_url, tokens[index])
    return QR.make(url).svg(module_px=None, quiet=4, title=url)
