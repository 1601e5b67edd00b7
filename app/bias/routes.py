"""The methods page for analysts: docs/methods.md rendered, in Swedish or English.

The document is one file with an English and a Swedish half (`## English`, `## Svenska`), so the
formulas and their explanation are edited in one place; the page shows the half in the staff
language (or the one asked for with `?language=`), with a link to the other.
"""

from __future__ import annotations

import functools
import re
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from markdown_it import MarkdownIt

from app.auth.dependencies import staff_language
from app.auth.web import render_staff
from app.i18n.templating import current_language
from app.settings import ROOT

router = APIRouter(dependencies=[Depends(staff_language)])
METHODS = ROOT / "docs" / "methods.md"
HALVES = {"en": "## English", "sv": "## Svenska"}


@functools.cache
def methods_html(language: str) -> str:
    """One language's half of docs/methods.md as HTML. Raw HTML in the file is escaped, not
    passed on (html=False): the page shows exactly what the markdown says."""
    text = METHODS.read_text(encoding="utf-8")
    start = text.index(HALVES[language] + "\n") + len(HALVES[language])
    after = [i for i in (text.index(h + "\n") for h in HALVES.values()) if i > start]
    body = text[start:min(after, default=len(text))].rstrip().removesuffix("---")
    body = re.sub(r"^#(#+) ", r"\1 ", body, flags=re.MULTILINE)  # under the page's own h1
    return MarkdownIt("commonmark", {"html": False}).enable("table").render(body)


@router.get("/methods", name="methods")
def methods(request: Request,
            language: Annotated[Literal["sv", "en"] | None, Query()] = None) -> Response:
    shown = language or ("sv" if current_language().code == "sv" else "en")
    other = "en" if shown == "sv" else "sv"
    return render_staff(request, "reports/methods.html", {
        "body": methods_html(shown), "shown": shown, "other": other})
