"""The batch form: what an ambassador may choose, and the checks that run before anything is
created. Messages are English msgids, translated where they are shown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, select

from app.auth.dependencies import Role, holds
from app.auth.passwords import N_
from app.i18n.locales import LANGUAGES
from app.issuance.service import MAX_BATCH
from app.models import Channel, Intervention, Municipality, StaffUser

LABEL_MAX = 100


@dataclass
class Choices:
    """The municipalities and interventions a user may issue for."""

    municipalities: list[Municipality]
    interventions: list[Intervention]
    pairs: set[tuple[int, int]]  # allowed (municipality_id, intervention_id)


def choices_for(session: Session, user: StaffUser) -> Choices:
    munis = list(session.exec(select(Municipality).order_by(Municipality.name)).all())
    interventions = list(session.exec(select(Intervention).order_by(Intervention.name)).all())
    all_interventions = {i.id for i in interventions}
    if holds(user, Role.admin):
        pairs = {(m.id, i) for m in munis for i in all_interventions}  # type: ignore[misc]
    else:
        pairs = set()
        for r in user.roles:
            if r.role == Role.ambassador and r.municipality_id is not None:
                wanted = {r.intervention_id} if r.intervention_id else all_interventions
                pairs |= {(r.municipality_id, i) for i in wanted}  # type: ignore[misc]
    muni_ids = {m for m, _ in pairs}
    interv_ids = {i for _, i in pairs}
    return Choices([m for m in munis if m.id in muni_ids],
                   [i for i in interventions if i.id in interv_ids], pairs)


@dataclass
class BatchForm:
    municipality: str = ""
    intervention: str = ""
    channel: str = Channel.peer_ambassador.value
    count: str = ""
    expires_on: str = ""
    label: str = ""
    languages: list[str] = field(default_factory=lambda: ["sv"])
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class ValidBatch:
    municipality: Municipality
    intervention: Intervention
    channel: Channel
    count: int
    expires_on: date
    label: str
    languages: list[str]


def _int(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def validate(session: Session, form: BatchForm, choices: Choices, *,
             today: date) -> ValidBatch | None:
    """Fill form.errors (field -> msgid) and return None, or return the checked values."""
    errors = form.errors
    muni_id, interv_id = _int(form.municipality), _int(form.intervention)
    if muni_id is None or muni_id not in {m for m, _ in choices.pairs}:
        errors["municipality"] = N_("Choose one of your municipalities. You can only create "
                                    "codes for the municipalities assigned to you.")
    elif interv_id is None or (muni_id, interv_id) not in choices.pairs:
        errors["intervention"] = N_("Choose one of the interventions assigned to you for this "
                                    "municipality.")
    try:
        channel = Channel(form.channel)
    except ValueError:
        errors["channel"] = N_("Choose how the codes will be handed out.")
    count = _int(form.count)
    if count is None or not 1 <= count <= MAX_BATCH:
        errors["count"] = N_("The number of codes must be a whole number from 1 to 5,000.")
    try:
        expires_on = date.fromisoformat(form.expires_on.strip())
    except ValueError:
        errors["expires_on"] = N_("Enter the last day the codes work, as a date.")
    else:
        if expires_on < today:
            errors["expires_on"] = N_("The last day is in the past. Choose today or later.")
    if len(form.label) > LABEL_MAX:
        errors["label"] = N_("The label can be at most 100 characters long.")
    languages = [code for code in dict.fromkeys(form.languages) if code in LANGUAGES]
    if not languages or len(languages) != len(set(form.languages)):
        errors["languages"] = N_("Choose at least one language for the printed invitation.")
    if errors:
        return None
    return ValidBatch(
        municipality=session.get(Municipality, muni_id),  # type: ignore[arg-type]
        intervention=session.get(Intervention, interv_id),  # type: ignore[arg-type]
        channel=channel, count=count, expires_on=expires_on,  # type: ignore[arg-type]
        label=form.label.strip(), languages=languages,
    )
