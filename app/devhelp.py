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
    print("\nStaff pages (demo accounts; passwords are printed only when an account is created):")
    print(f"  {base}/staff/login")
    for email, role, password in demo_staff(engine):
        shown = (f"password: {password}" if password
                 else "exists (new link: .venv/bin/lyssna user link EMAIL)")
        print(f"  {role:<38} {email:<26} {shown}")
    print("\nMore links: .venv/bin/lyssna tokens issue --municipality linkoping "
          "--intervention so --count 5\n")


DEMO_STAFF = [
    ("admin@demo.lyssna.se", "admin", None, "admin (regional coordinator)"),
    ("ambassador@demo.lyssna.se", "ambassador", "linkoping", "ambassador, Linköping"),
    ("analyst@demo.lyssna.se", "analyst", "norrkoping", "analyst, Norrköping"),
]


def demo_staff(engine) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    """Create the demo staff accounts that are missing, each with a generated password that is
    printed once (demo only: real accounts get a one-time set-password link)."""
    import secrets
    from datetime import UTC, datetime

    from app.auth.service import create_user, find_user, grant_role, set_password

    shown = []
    with Session(engine) as session:
        for email, role, municipality, description in DEMO_STAFF:
            password = None
            if find_user(session, email) is None:
                user = create_user(session, email=email, now=datetime.now(UTC))
                muni = find_municipality(session, municipality).id if municipality else None
                grant_role(session, user=user, role=role, municipality_id=muni)
                password = secrets.token_urlsafe(12)
                set_password(session, user=user, password=password)
            shown.append((email, description, password))
        session.commit()
    return shown


if __name__ == "__main__":
    main()
