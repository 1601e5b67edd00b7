"""QR codes for respondent links, fast enough for a 5,000-card sheet (PERFORMANCE.md).

zxing-cpp builds the matrix (a C++ encoder with proper mask selection, several thousand codes
a second; segno spends most of its time choosing the mask, about 190 codes/s). A code is drawn
as one vector path of rectangles, one per dark run of a row (split at 8-module pieces, whose
operators are cached), so it prints sharp at any size:

    QR.make(url) -> QR                   # the matrix, error correction level M
    qr.runs -> [(x, y, length), ...]    # horizontal dark runs, in modules from the top left
    qr.pdf_path(x_pt, y_pt, size_pt)    # PDF operators filling the code (no quiet zone)
    qr.svg(module_px=8, quiet=4)        # a standalone SVG (show on screen, single cards)
    qr.png(module_px=8, quiet=4)        # PNG bytes (messaging apps)
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

import zxingcpp

_DARK = re.compile(rb"\x00+")
_FORMAT = zxingcpp.BarcodeFormat.QRCode


# PDF rectangles for one 8-module piece of one row, by (row, column, the piece's pixels): a
# few tens of thousands of entries per QR version, and this lookup is the hot loop of a sheet.
_PIECE = 8
_RECTS: dict[tuple[int, int, bytes], str] = {}
_RECTS_MAX = 400_000


@lru_cache(maxsize=64)
def _pieces(n: int) -> tuple[tuple[int, int, int, int], ...]:
    """(row, first column, start, end) of every piece of an n x n code's module bytes."""
    return tuple((row, x0, row * n + x0, row * n + min(x0 + _PIECE, n))
                 for row in range(n) for x0 in range(0, n, _PIECE))


def _rects(y: int, x0: int, piece: bytes) -> str:
    return " ".join(f"{x0 + m.start()} {y} {m.end() - m.start()} 1 re"
                    for m in _DARK.finditer(piece))


@dataclass(frozen=True)
class QR:
    text: str
    size: int  # modules per side, without quiet zone
    modules: bytes  # size * size bytes, row by row: 0 dark, 255 light

    @classmethod
    def make(cls, text: str) -> QR:
        code = zxingcpp.create_barcode(text, _FORMAT, ec_level="M")
        image = code.to_image(scale=1, add_quiet_zones=False)
        return cls(text=text, size=image.shape[1], modules=bytes(memoryview(image)))

    @cached_property
    def runs(self) -> tuple[tuple[int, int, int], ...]:
        """Horizontal dark runs as (x, y, length) in modules from the top-left module."""
        n = self.size
        out = []
        for y in range(n):
            # a light byte after the row keeps runs from wrapping into the next row
            for m in _DARK.finditer(self.modules[y * n : (y + 1) * n] + b"\xff"):
                out.append((m.start(), y, m.end() - m.start()))
        return tuple(out)

    def pdf_path(self, x: float, y: float, size: float) -> str:
        """PDF operators painting the code black with its top-left corner at (x, y) in PDF
        points (y measured from the bottom of the page), `size` points wide. One fill for the
        whole code, so viewers show no seams between its rectangles."""
        n, raw, cache = self.size, self.modules, _RECTS
        if len(cache) > _RECTS_MAX:
            cache.clear()
        keys = [(row, x0, raw[a:b]) for row, x0, a, b in _pieces(n)]
        try:
            parts = [cache[k] for k in keys]
        except KeyError:
            for k in keys:
                if k not in cache:
                    cache[k] = _rects(*k)
            parts = [cache[k] for k in keys]
        s = size / n
        body = " ".join(filter(None, parts))
        return f"q 0 g {s:.4f} 0 0 {-s:.4f} {x:.2f} {y:.2f} cm {body} f Q"

    def svg(self, *, module_px: int | None = 8, quiet: int = 4, title: str | None = None) -> str:
        """`module_px=None` leaves the size to CSS (the SVG fills its container's width)."""
        total = self.size + 2 * quiet
        path = "".join(f"M{x + quiet} {y + quiet}h{n}v1h-{n}z" for x, y, n in self.runs)
        label = f"<title>{_escape(title)}</title>" if title else ""
        size = (f'width="{total * module_px}" height="{total * module_px}"' if module_px
                else 'width="100%"')
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {total}" '
            f'{size} role="img" shape-rendering="crispEdges">{label}'
            f'<rect width="{total}" height="{total}" fill="#fff"/>'
            f'<path fill="#000" d="{path}"/></svg>'
        )

    def image(self, *, module_px: int = 8, quiet: int = 4):  # type: ignore[no-untyped-def]
        """A Pillow 1-bit image of the code with its quiet zone."""
        from PIL import Image, ImageDraw

        total = (self.size + 2 * quiet) * module_px
        img = Image.new("1", (total, total), 1)
        draw = ImageDraw.Draw(img)
        for x, y, n in self.runs:
            x0, y0 = (x + quiet) * module_px, (y + quiet) * module_px
            draw.rectangle((x0, y0, x0 + n * module_px - 1, y0 + module_px - 1), fill=0)
        return img

    def png(self, *, module_px: int = 8, quiet: int = 4) -> bytes:
        buf = io.BytesIO()
        self.image(module_px=module_px, quiet=quiet).save(buf, format="PNG", optimize=True)
        return buf.getvalue()

    @cached_property
    def dark_modules(self) -> int:
        return sum(n for _, _, n in self.runs)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
