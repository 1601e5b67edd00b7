"""Public pages that are not part of a questionnaire: home, the anonymity facts, accessibility."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.web import render

router = APIRouter()


@router.get("/", name="home")
def home(request: Request) -> Response:
    return render(request, "pages/home.html")


@router.get("/about/anonymity", name="about_anonymity")
def about_anonymity(request: Request) -> Response:
    """The 'how do we know?' page: facts generated from the live settings (ANONYMITY.md R33)."""
    return render(request, "pages/anonymity.html")


@router.get("/accessibility", name="accessibility")
def accessibility(request: Request) -> Response:
    return render(request, "pages/accessibility.html")
