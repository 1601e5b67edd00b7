"""Printed by `make run`: where the app is and how to try it, with fresh demo links."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session

from app.issuance.service import find_intervention, find_municipality, issue_batch
from app.keys import Keys
from app.models import Channel
from app.respondent.service import Clock
from app.settings import get_settings
from app.storage.engine import make_engine


def main() -> None:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    today = Clock(__import__("zoneinfo").ZoneInfo(settings.timezone)).today()
    with Session(engine) as session:
        _, tokens = issue_batch(
            session,
            token_key=Keys.from_secret(settings.secret_key).token_hmac,
            municipality=find_municipality(session, "linkoping"),
            intervention=find_intervention(session, "so"),
            count=3,
            channel=Channel.peer_ambassador,
            expires_on=today + timedelta(days=30),
            today=today,
            label="make run",
        )
        session.commit()
    base = settings.base_url.rstrip("/")
    print(f"\nLyssna runs on {base}\n")
    print("Answer the demo questionnaire as a respondent (one-time links):")
    for token in tokens:
        print(f"  {base}/r/{token}")
    print("\nMore links: .venv/bin/lyssna tokens issue --municipality linkoping "
          "--intervention so --count 5\n")


if __name__ == "__main__":
    main()
