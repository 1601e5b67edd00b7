"""Benchmark: a 5,000-token A4 sheet of QR cards (PERFORMANCE.md goal: under 10 s, every code
decodes).

    .venv/bin/python bench/sheets.py [--count 5000] [--per-page 12] [--languages sv,en,ar]
                                     [--verify] [--out var/bench-sheet.pdf]

Prints wall and CPU time of the whole sheet, its size, and the QR step's codes per second on
its own. The machine is shared: the load average is printed too, and CPU seconds are the
figure that does not depend on what else runs. `--verify` renders every page with pdftoppm
and decodes every cell with zbarimg (slow; not part of the timing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.i18n.locales import LANGUAGES, Language  # noqa: E402
from app.issuance.qr import QR  # noqa: E402
from app.issuance.sheets import MARGIN, PER_PAGE, respondent_url, sheet_pdf  # noqa: E402
from app.issuance.tokens import new_token  # noqa: E402
from app.settings import ROOT  # noqa: E402

EXTRA = {"ar": Language("ar", "العربية", "ar", "rtl"), "ti": Language("ti", "ትግርኛ", "ti", "ltr")}


def timed(fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def verify(pdf: bytes, tokens: list[str], base: str, per_page: int) -> tuple[int, int]:
    from PIL import Image

    cols, rows = PER_PAGE[per_page]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sheet.pdf"
        path.write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "120", "-gray", "-f", "2", str(path),
                        f"{tmp}/p"], check=True)
        crops = []
        for page in sorted(Path(tmp).glob("p-*.pgm")):
            image = Image.open(page)
            w, h = image.size
            px = w / 210.0
            cw, ch = (w - 2 * MARGIN * px) / cols, (h - 2 * MARGIN * px) / rows
            for r in range(rows):
                for c in range(cols):
                    crop = Path(tmp) / f"c{len(crops):05d}.png"
                    image.crop((int(MARGIN * px + c * cw), int(MARGIN * px + r * ch),
                                int(MARGIN * px + (c + 1) * cw),
                                int(MARGIN * px + (r + 1) * ch))).save(crop)
                    crops.append(crop)
        decoded: list[str] = []
        for i in range(0, len(crops), 200):
            out = subprocess.run(["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable",
                                  *map(str, crops[i : i + 200])], capture_output=True)
            decoded += out.stdout.decode().split()
    expected = [respondent_url(base, t) for t in tokens]
    return sum(1 for a, b in zip(decoded, expected, strict=False) if a == b), len(expected)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument("--per-page", type=int, default=12, choices=sorted(PER_PAGE))
    parser.add_argument("--languages", default="sv,en,ar")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--verify", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench-sheet.pdf")
    args = parser.parse_args()
    languages = [LANGUAGES.get(c) or EXTRA[c] for c in args.languages.split(",")]
    tokens = [new_token() for _ in range(args.count)]
    urls = [respondent_url(args.base_url, t) for t in tokens]

    QR.make(urls[0])  # warm-up: imports and the quiet-zone probe
    _, qr_wall, qr_cpu = timed(lambda: [QR.make(u).pdf_path(0, 0, 100) for u in urls])
    pdf, wall, cpu = timed(lambda: sheet_pdf(
        tokens, base_url=args.base_url, languages=languages, locale_dir=ROOT / "locales",
        per_page=args.per_page))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"machine: {os.cpu_count()} cores, load average {load}")
    print(f"sheet: {args.count} tokens, {args.per_page} per page, languages {args.languages}")
    print(f"  PDF generated in {wall:.2f} s wall, {cpu:.2f} s CPU (goal < 10 s)")
    print(f"  PDF size {len(pdf):,} bytes ({len(pdf) / args.count:.0f} bytes per card), "
          f"written to {args.out}")
    print(f"QR step alone (zxing-cpp matrix + vector path): {args.count / qr_wall:,.0f} codes/s "
          f"wall, {args.count / qr_cpu:,.0f} codes/s CPU")
    if args.verify:
        if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
            sys.exit("--verify needs pdftoppm and zbarimg (scripts/install-system-deps)")
        ok, total = verify(pdf, tokens, args.base_url, args.per_page)
        print(f"decoded back with pdftoppm + zbarimg: {ok}/{total} codes match their URL")


if __name__ == "__main__":
    main()
