"""Server-side SVG charts: no JavaScript, a title and a description for screen readers, the
numbers in a table beside each chart (in the template), a viewBox that scales down to 360 px,
and `direction` on every text so right-to-left labels render correctly."""

from __future__ import annotations

from html import escape

from markupsafe import Markup

PALETTE = ["#8c2d04", "#d95f0e", "#bdbdbd", "#6baed6", "#08519c", "#54278f", "#006d2c",
           "#7f2704", "#3f007d", "#00441b"]
WIDTH, LABEL, ROW = 600, 150, 26


def stacked_bars(*, chart_id: str, title: str, desc: str,
                 rows: list[tuple[str, list[float] | None]], legend: list[str],
                 rtl: bool, suppressed_text: str) -> Markup:
    """One horizontal 100 % bar per group; None draws the 'fewer than k' note instead."""
    direction = "rtl" if rtl else "ltr"
    height = ROW * len(rows) + 30 + 18 * ((len(legend) + 2) // 3)
    bar = WIDTH - LABEL - 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-labelledby="{chart_id}-t {chart_id}-d" class="chart" '
        f'preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(desc)}</desc>',
    ]
    for i, (label, shares) in enumerate(rows):
        y = 10 + i * ROW
        lx = (WIDTH - 5) if rtl else 5
        anchor = "end" if rtl else "start"
        parts.append(f'<text x="{lx}" y="{y + 15}" direction="{direction}" '
                     f'text-anchor="{anchor}" font-size="13">{escape(label[:22])}</text>')
        x0 = 5 if rtl else LABEL
        if shares is None:
            tx = x0 + bar - 5 if rtl else x0 + 5
            parts.append(f'<text x="{tx}" y="{y + 15}" direction="{direction}" '
                         f'text-anchor="{anchor}" font-size="12" font-style="italic">'
                         f'{escape(suppressed_text)}</text>')
            continue
        offset = 0.0
        for j, share in enumerate(shares):
            w = bar * share
            x = (x0 + bar - offset - w) if rtl else (x0 + offset)
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="20" '
                             f'fill="{PALETTE[j % len(PALETTE)]}"/>')
            offset += w
    ly = 20 + ROW * len(rows)
    for j, name in enumerate(legend):
        col, line = j % 3, j // 3
        x = (WIDTH - 15 - col * 195) if rtl else (5 + col * 195)
        tx = x - 14 if rtl else x + 14
        anchor = "end" if rtl else "start"
        parts.append(f'<rect x="{x - 10 if rtl else x}" y="{ly + line * 18}" width="10" '
                     f'height="10" fill="{PALETTE[j % len(PALETTE)]}"/>')
        parts.append(f'<text x="{tx}" y="{ly + line * 18 + 9}" direction="{direction}" '
                     f'text-anchor="{anchor}" font-size="11">{escape(name[:28])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
