"""Reading back what the sheets produce with independent tools: poppler (pdftoppm, pdftotext)
and zbar (zbarimg), both Debian packages from scripts/install-system-deps.

Tests that need them are skipped when they are missing, unless LYSSNA_REQUIRE_BROWSER=1 (CI),
where they fail instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

TOOLS = ("pdftoppm", "pdftotext", "zbarimg")


@pytest.fixture
def tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        if os.environ.get("LYSSNA_REQUIRE_BROWSER"):
            pytest.fail(f"required tools missing: {', '.join(missing)}")
        pytest.skip(f"missing {', '.join(missing)} (scripts/install-system-deps)")


def render_page(pdf: bytes, page: int, tmp: Path, dpi: int = 150) -> Image.Image:
    path = tmp / "sheet.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", "-f", str(page), "-l", str(page),
                    "-singlefile", str(path), str(tmp / "page")], check=True)
    return Image.open(tmp / "page.png").convert("L")


def page_text(pdf: bytes, page: int, tmp: Path) -> str:
    path = tmp / "text.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-enc", "UTF-8",
                          str(path), "-"], check=True, capture_output=True)
    return out.stdout.decode()


def decode(image: Image.Image, tmp: Path) -> list[str]:
    """Every QR code zbar finds in the image (one code per crop works best)."""
    path = tmp / "crop.png"
    image.save(path)
    out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                          str(path)], capture_output=True)
    # exit status 4 means "no symbol found"
    assert out.returncode in (0, 4), out.stderr.decode()
    return [line for line in out.stdout.decode().splitlines() if line]


def decode_png(data: bytes, tmp: Path) -> list[str]:
    path = tmp / "card.png"
    path.write_bytes(data)
    return decode(Image.open(path).convert("L"), tmp)


def cells(image: Image.Image, cols: int, rows: int, margin_mm: float) -> list[Image.Image]:
    """Crop an A4 page image into its grid of card cells, in reading order."""
    w, h = image.size
    px = w / 210.0
    left, top = margin_mm * px, margin_mm * px
    cw, ch = (w - 2 * left) / cols, (h - 2 * top) / rows
    return [image.crop((int(left + c * cw), int(top + r * ch),
                        int(left + (c + 1) * cw), int(top + (r + 1) * ch)))
            for r in range(rows) for c in range(cols)]


def to_unicode_maps(pdf: bytes) -> dict[str, dict[int, str]]:
    """For each embedded font, the glyph code -> text mapping of its ToUnicode CMap."""
    maps: dict[str, dict[int, str]] = {}
    for m in re.finditer(rb"/BaseFont /(\S+)\s*/DescendantFonts \[\d+ 0 R\]\s*/Encoding "
                         rb"/Identity-H\s*/Subtype /Type0\s*/ToUnicode (\d+) 0 R", pdf):
        obj = pdf.index(m.group(2) + b" 0 obj")
        start = pdf.index(b"stream", obj) + len(b"stream")
        cmap = pdf[start : pdf.index(b"endstream", start)].decode("latin1")
        entries: dict[int, str] = {}
        for code, text in re.findall(r"<([0-9A-Fa-f]{4})> <([0-9A-Fa-f]+)>", cmap):
            chars = "".join(chr(int(text[i : i + 4], 16)) for i in range(0, len(text), 4))
            entries[int(code, 16)] = chars
        maps[m.group(1).decode()] = entries
    return maps
