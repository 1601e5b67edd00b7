"""Helpers that create what tests need through the real services."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from app.issuance.service import find_intervention, find_municipality, issue_batch
from app.keys import Keys
from app.models import Batch, Channel
from app.settings import Settings


def create_tokens(
    engine: Engine,
    settings: Settings,
    count: int = 1,
    *,
    municipality: str = "linkoping",
    intervention: str = "so",
    channel: Channel = Channel.peer_ambassador,
    expires_on: date | None = None,
) -> tuple[Batch, list[str]]:
    today = date.today()
    with Session(engine, expire_on_commit=False) as session:
        batch, tokens = issue_batch(
            session,
            token_key=Keys.from_secret(settings.secret_key).token_hmac,
            municipality=find_municipality(session, municipality),
            intervention=find_intervention(session, intervention),
            count=count,
            channel=channel,
            expires_on=expires_on or today + timedelta(days=30),
            today=today,
        )
        session.commit()
    return batch, tokens


class Respondent:
    """Walks the respondent path through HTTP exactly as a browser without JavaScript would."""

    def __init__(self, client: TestClient):
        self.client = client

    def open(self, token: str, **headers: str) -> Any:
        return self.client.get(f"/r/{token}", headers=headers)

    def post(self, url: str, data: dict[str, Any]) -> Any:
        return self.client.post(url, data=data)

    def start(self, token: str, language: str = "sv") -> Any:
        """Open the link, choose a language, accept the promise: lands on page 1."""
        response = self.open(token)
        assert response.status_code == 303, response.text
        self.post("/s/language", {"nav": f"lang:{language}"})
        return self.post("/s/welcome", {"nav": "next"})

    def answer_all(self, token: str, answers: dict[str, Any] | None = None,
                   language: str = "sv") -> Any:
        """Answer every page (with `answers` where given, skipping the rest) and submit."""
        answers = answers or {}
        response = self.start(token, language)
        location = response.headers["location"]
        while location.startswith("/s/page/"):
            response = self.post(location, {"nav": "next", **answers})
            assert response.status_code == 303, response.text
            location = response.headers["location"]
        assert location == "/s/review", location
        return self.post("/s/review", {"nav": "submit"})
