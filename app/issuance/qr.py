"""QR codes for respondent links, fast enough for a 5,000-card sheet (PERFORMANCE.md).

zxing-cpp builds the matrix (a C++ encoder with proper mask selection, several thousand codes
a second; segno spends most of its time choosing the mask, about 190 codes/s). Everything else
works on the dark runs of each row, so drawing a code is one small vector path:

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
from functools import cached_property

import zxingcpp

_DARK = re.compile(rb"\x00+")
_FORMAT = zxingcpp.BarcodeFormat.QRCode


# "x y n 1 re" for a run, by (image stride, quiet zone, start, end) in the padded image: there
# are only a few thousand distinct runs per QR version, and formatting them is the hot loop.
_RECT: dict[tuple[int, int, int, int], str] = {}


@dataclass(frozen=True)
class QR:
    text: str
    size: int  # modules per side, without quiet zone
    stride: int  # row length of the scanned image, quiet zone included
    quiet: int
    spans: tuple[tuple[int, int], ...]  # dark runs as (start, end) offsets in that image

    @classmethod
    def make(cls, text: str) -> QR:
        code = zxingcpp.create_barcode(text, _FORMAT, ec_level="M")
        # With its quiet zone every row starts and ends light, so one regex pass over the whole
        # image finds each row's dark runs and no run crosses a row boundary.
        image = code.to_image(scale=1, add_quiet_zones=True)
        stride = image.shape[1]
        quiet = _quiet_zone()
        spans = tuple(m.span() for m in _DARK.finditer(bytes(memoryview(image))))
        return cls(text=text, size=stride - 2 * quiet, stride=stride, quiet=quiet, spans=spans)

    @cached_property
    def runs(self) -> tuple[tuple[int, int, int], ...]:
        """Horizontal dark runs as (x, y, length) in modules from the top-left module."""
        out = []
        for start, end in self.spans:
            y, x = divmod(start, self.stride)
            out.append((x - self.quiet, y - self.quiet, end - start))
        return tuple(out)

    def pdf_path(self, x: float, y: float, size: float) -> str:
        """PDF operators painting the code black with its top-left corner at (x, y) in PDF
        points (y measured from the bottom of the page), `size` points wide."""
        s = size / self.size
        key = (self.stride, self.quiet)
        try:
            body = " ".join([_RECT[key + span] for span in self.spans])
        except KeyError:
            for (rx, ry, n), span in zip(self.runs, self.spans, strict=True):
                _RECT[key + span] = f"{rx} {ry} {n} 1 re"
            body = " ".join([_RECT[key + span] for span in self.spans])
        return f"q 0 g {s:.4f} 0 0 {-s:.4f} {x:.2f} {y:.2f} cm {body} f Q"

    def svg(self, *, module_px: int = 8, quiet: int = 4, title: str | None = None) -> str:
        total = self.size + 2 * quiet
        path = "".join(f"M{x + quiet} {y + quiet}h{n}v1h-{n}z" for x, y, n in self.runs)
        label = f"<title>{_escape(title)}</title>" if title else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {total} {total}" '
            f'width="{total * module_px}" height="{total * module_px}" role="img" '
            f'shape-rendering="crispEdges">{label}'
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


_QUIET: list[int] = []


def _quiet_zone() -> int:
    if not _QUIET:
        probe = zxingcpp.create_barcode("lyssna", _FORMAT, ec_level="M")
        bare = probe.to_image(scale=1, add_quiet_zones=False).shape[1]
        padded = probe.to_image(scale=1, add_quiet_zones=True).shape[1]
        _QUIET.append((padded - bare) // 2)
    return _QUIET[0]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
