#!/usr/bin/env python3
"""Build the Tigrinya subset web font from Debian's Noto Sans Ethiopic (fonts-noto-core).

Run by `make fonts`; the result is committed, so nothing is downloaded or built at run time.
The subset keeps the whole Ethiopic syllabary (U+1200–U+137F: every Tigrinya letter, numeral and
punctuation mark, so free-text answers render too) and drops hinting and OpenType layout tables,
which Ethiopic's precomposed syllables do not need; that takes it from 343 KB (TTF) to ~14 KB.
It is referenced only on pages in Tigrinya (app/static/fonts/ethiopic.css).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from fontTools import subset

SOURCE = Path("/usr/share/fonts/truetype/noto/NotoSansEthiopic-Regular.ttf")
COPYRIGHT = Path("/usr/share/doc/fonts-noto-core/copyright")
OUT = Path(__file__).resolve().parent.parent / "app" / "static" / "fonts"
FONT = OUT / "noto-sans-ethiopic-subset.woff2"
RANGES = [(0x1200, 0x137F)]


def build() -> None:
    if not SOURCE.exists():
        sys.exit(f"{SOURCE} is missing: install fonts-noto-core (scripts/install-system-deps)")
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False
    options.layout_features = []
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    font = subset.load_font(str(SOURCE), options)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[c for lo, hi in RANGES for c in range(lo, hi + 1)])
    subsetter.subset(font)
    OUT.mkdir(parents=True, exist_ok=True)
    subset.save_font(font, str(FONT), options)
    (OUT / "OFL.txt").write_text(licence(), encoding="utf-8")
    print(f"{FONT.relative_to(OUT.parent.parent.parent)}: {FONT.stat().st_size} bytes")


def licence() -> str:
    """The copyright lines and the SIL Open Font License 1.1, from Debian's copyright file."""
    text = COPYRIGHT.read_text(encoding="utf-8")
    owners = re.search(r"Files: \*\nCopyright:\n(.*?)\nLicense-Grant", text, re.S)
    body = text[text.rindex("\nLicense: OFL-1.1\n") + len("\nLicense: OFL-1.1\n"):]
    lines = []
    for line in body.splitlines():
        if line and not line.startswith(" "):
            break
        line = line[1:] if line.startswith(" ") else line
        lines.append("" if line == "." else line)
    head = (
        "noto-sans-ethiopic-subset.woff2 is a subset of Noto Sans Ethiopic Regular\n"
        "(Debian package fonts-noto-core), made by scripts/build-fonts.py.\n\n"
        "Copyright:\n" + (owners.group(1) if owners else "  Google Inc. / Google LLC") + "\n\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n\n"
    )
    return head + "\n".join(lines).strip() + "\n"


if __name__ == "__main__":
    build()
