"""The demo region: Östergötland's 13 municipalities and a handful of interventions."""

from __future__ import annotations

from sqlmodel import Session, select

from app.models import Intervention, Municipality
from app.questionnaires.loader import Registry, publish

MUNICIPALITIES = [
    ("boxholm", "Boxholm"),
    ("finspang", "Finspång"),
    ("kinda", "Kinda"),
    ("linkoping", "Linköping"),
    ("mjolby", "Mjölby"),
    ("motala", "Motala"),
    ("norrkoping", "Norrköping"),
    ("soderkoping", "Söderköping"),
    ("vadstena", "Vadstena"),
    ("valdemarsvik", "Valdemarsvik"),
    ("ydre", "Ydre"),
    ("atvidaberg", "Åtvidaberg"),
    ("odeshog", "Ödeshög"),
]
INTERVENTIONS = [
    ("so", "Samhällsorientering (SO)"),
    ("sfi", "Svenska för invandrare (SFI)"),
    ("praktik", "Praktik"),
    ("foraldrastod", "Föräldrastöd"),
    ("studie-och-yrkesvagledning", "Studie- och yrkesvägledning"),
]
BATTERY = "regional-followup"


def seed_demo_base(session: Session, registry: Registry) -> None:
    """The demo region and every questionnaire version published: what `lyssna migrate` and
    `lyssna demo` leave in a new database (tests and benchmarks start from it)."""
    seed_region(session)
    for questionnaire in registry.versions.values():
        publish(session, questionnaire)


def seed_region(session: Session) -> None:
    """Idempotent: adds what is missing, changes nothing that exists."""
    have = set(session.exec(select(Municipality.slug)).all())
    session.add_all(Municipality(slug=s, name=n) for s, n in MUNICIPALITIES if s not in have)
    have = set(session.exec(select(Intervention.slug)).all())
    session.add_all(
        Intervention(slug=s, name=n, questionnaire_id=BATTERY)
        for s, n in INTERVENTIONS
        if s not in have
    )
    session.flush()
