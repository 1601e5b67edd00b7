"""The methods page for analysts: docs/methods.md (Swedish and English), linked from results."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from app.settings import ROOT

router = APIRouter()
METHODS = ROOT / "docs" / "methods.md"


@router.get("/methods", name="methods", response_class=PlainTextResponse)
def methods() -> PlainTextResponse:
    """Plain text on purpose: the formulas read as written, with no renderer to trust."""
    return PlainTextResponse(METHODS.read_text(encoding="utf-8"))
