"""Synthetic demo responses (clearly marked as demo data) in closed past months.

Respondents get a latent attitude, the battery's conditions are respected, staff channels add
some yes-saying, and "prefer not to answer", "don't know" and skips occur at plausible rates.
So that every bias indicator (issue 6) has something to show, the demo also has a known truth
for them: promise variants and split-ballot arms are drawn as the respondent path draws them,
the detailed promise lowers "prefer not to answer", a share CROSSWISE_TRUTH of respondents hold
the sensitive attribute (asked directly, some deny it, more so to staff), and a few answer
crosswise questions at random, which the zero-prevalence control shows.
Rows go in with bulk inserts (COPY on PostgreSQL) so a million responses is feasible; the months
are then closed and frozen like real ones.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, insert, select
from sqlmodel import Session

from app.models import (
    Batch,
    Channel,
    ClosedPeriod,
    Intervention,
    Municipality,
    QuestionnaireVersion,
)
from app.questionnaires.loader import Registry
from app.questionnaires.schema import (
    DIFFERENT,
    DONT_KNOW,
    PRACTICE_SUFFIX,
    PREFER_NOT,
    SAME,
    SKIPPED,
    Crosswise,
    FreeText,
    Likert,
    MultipleChoice,
    Number,
    Questionnaire,
    SingleChoice,
    YesNo,
)
from app.reports import periods, queries
from app.reports.service import close_period
from app.respondent.answers import arm_of, is_visible

POPULATION = {"linkoping": 165, "norrkoping": 145, "motala": 44, "mjolby": 28, "finspang": 22,
              "soderkoping": 14, "atvidaberg": 12, "valdemarsvik": 8, "kinda": 10,
              "vadstena": 7, "boxholm": 5, "odeshog": 5, "ydre": 4}
INTERVENTION_SHARE = {"so": 35, "sfi": 35, "praktik": 12, "foraldrastod": 10,
                      "studie-och-yrkesvagledning": 8}
CHANNEL_SHARE = {Channel.peer_ambassador: 40, Channel.staff_group: 30,
                 Channel.staff_individual: 10, Channel.poster_self_service: 15, Channel.other: 5}
CHUNK = 20_000
CROSSWISE_TRUTH = 0.18  # share holding each sensitive crosswise attribute
DENIAL = {True: 0.5, False: 0.25}  # asked directly: share who deny it, staff channel or not
RANDOM_ANSWERS = 0.08  # crosswise answered by coin toss (not understood)
VARIANT_PNA = {1: 1.0, 2: 0.7}  # "prefer not to answer" relative to promise variant 1


def seed_responses(engine: Engine, *, registry: Registry, count: int, today: date, k: int,
                   seed: int = 2026) -> int:
    """Seed `count` demo responses over the 12 months before `today`'s month and close them.
    Does nothing (returns 0) when demo data or closed periods already exist."""
    if count <= 0:
        return 0
    with Session(engine) as session:
        if session.execute(select(ClosedPeriod)).first() is not None:
            return 0
        munis = {m.slug: m.id for m in session.execute(select(Municipality)).scalars()}
        interventions = list(session.execute(select(Intervention)).scalars())
        versions = {(v.questionnaire_id, v.version): v.id
                    for v in session.execute(select(QuestionnaireVersion)).scalars()}
    rng = random.Random(seed)
    this_month = today.strftime("%Y-%m")
    months = []
    m = this_month
    for _ in range(12):
        year, mon = int(m[:4]), int(m[5:7])
        m = f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"
        months.insert(0, m)
    cells = [(slug, i) for i in interventions for slug in munis]
    weights = [POPULATION.get(slug, 5) * INTERVENTION_SHARE.get(i.slug, 5) for slug, i in cells]
    channels, channel_weights = list(CHANNEL_SHARE), list(CHANNEL_SHARE.values())
    issued: dict[tuple[str, int, int, str, int], int] = {}
    done = 0
    while done < count:
        size = min(CHUNK, count - done)
        responses, answers = [], []
        for _ in range(size):
            slug, intervention = rng.choices(cells, weights)[0]
            questionnaire = registry.latest(intervention.questionnaire_id)
            languages = registry.languages(questionnaire) or ("sv",)
            channel = rng.choices(channels, channel_weights)[0]
            month = rng.choice(months)
            language = languages[0] if rng.random() < 0.7 or len(languages) == 1 \
                else rng.choice(languages[1:])
            response, rows = respondent(
                rng, questionnaire, channel=channel, language=language, month=month,
                municipality_id=munis[slug], intervention_id=intervention.id)  # type: ignore[arg-type]
            responses.append(response)
            answers += rows
            key = (month, munis[slug], intervention.id, channel.value,
                   versions[(questionnaire.id, questionnaire.version)])
            issued[key] = issued.get(key, 0) + 1
        insert_demo(engine, responses, answers)
        done += size
    with Session(engine) as session:
        batches = []
        for (month, muni, intervention_id, channel, version_id), n in sorted(issued.items()):
            created = datetime(int(month[:4]), int(month[5:7]), 3, 9, tzinfo=UTC)
            batches.append({
                "municipality_id": muni, "intervention_id": intervention_id,
                "questionnaire_version_id": version_id, "channel": channel,
                "expires_on": created.date() + timedelta(days=60), "created_at": created,
                "label": "demo", "revoked": False, "issued": n + n * 2 // 5 + rng.randint(0, 3)})
        session.execute(insert(Batch), batches)
        close_period(session, period=months[-1], registry=registry,
                     now=datetime.now(UTC), k=k, demo=True)
        session.commit()
    return count


def respondent(rng: random.Random, questionnaire: Questionnaire, *, channel: Channel,
               language: str, month: str, municipality_id: int, intervention_id: int,
               ) -> tuple[dict, list[dict]]:
    """One synthetic respondent: the `response` row and its `answer` rows. Promise variant and
    split-ballot arms are drawn uniformly, as app/respondent/randomise.py draws them."""
    rid = uuid.uuid4()
    variant = rng.randint(1, len(questionnaire.promises)) if questionnaire.promises else 0
    arms = {item.id: rng.choice(item.split) for item in questionnaire.split_items()
            if item.split}
    response = {
        "id": rid, "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version, "municipality_id": municipality_id,
        "intervention_id": intervention_id, "channel": channel.value, "language": language,
        "period": month, "promise_variant": variant, "arms": json.dumps(arms) if arms else None}
    return response, [{"response_id": rid, "question": question, "value": value}
                      for question, value in _answers(rng, questionnaire, channel, variant, arms)]


def insert_demo(engine: Engine, responses: list[dict], answers: list[dict]) -> None:
    """Bulk insert (COPY on PostgreSQL); the caller closes the months."""
    if engine.dialect.name == "postgresql":
        responses.sort(key=lambda r: r["id"])
        answers.sort(key=lambda a: (a["response_id"], a["question"], a["value"]))
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:  # type: ignore[attr-defined]
                cols = queries.DEMO_RESPONSE_COLUMNS
                with cur.copy(f"COPY response ({', '.join(cols)}) FROM STDIN") as copy:
                    for r in responses:
                        copy.write_row([r[c] for c in cols])
                with cur.copy("COPY answer (response_id, question, value) FROM STDIN") as copy:
                    for a in answers:
                        copy.write_row((a["response_id"], a["question"], a["value"]))
            raw.commit()
        finally:
            raw.close()
        return
    with Session(engine) as session:
        queries.insert_responses(session, responses, answers)
        session.commit()


def _answers(rng: random.Random, q: Questionnaire, channel: Channel, variant: int,
             arms: dict[str, str]) -> Iterator[tuple[str, str]]:
    theta = rng.gauss(0, 1)
    staff = channel in (Channel.staff_group, Channel.staff_individual)
    acquiescence = 0.45 if staff else 0.1
    pna = (0.05 if staff else 0.025) * VARIANT_PNA.get(variant, 1.0)
    given: dict[str, list[str]] = {}
    for question in q.questions():
        if not is_visible(question, given, arms=arms):  # as the respondent path decides
            continue
        roll = rng.random()
        if isinstance(question, FreeText):
            values = [SKIPPED]
        elif roll < pna:
            values = [PREFER_NOT]
        elif roll < pna + 0.03:
            values = [SKIPPED]
        elif getattr(question, "dont_know", False) and roll < pna + 0.09:
            values = [DONT_KNOW]
        elif isinstance(question, Crosswise):
            values = _crosswise(rng, question, arms, staff)
        elif isinstance(question, Likert):
            sign = -1 if question.reverse_of else 1
            centre = 3.4 if sign > 0 else 2.6
            score = centre + sign * 0.8 * theta + acquiescence + rng.gauss(0, 0.8)
            values = [str(min(5, max(1, round(score))))]
        elif isinstance(question, YesNo):
            values = ["yes" if rng.random() < 0.45 + 0.05 * theta else "no"]
        elif isinstance(question, Number):
            values = [str(min(question.max, max(question.min, round(rng.gauss(3, 1.8)))))]
        elif isinstance(question, MultipleChoice):
            codes = [o.code for o in question.options]
            values = [c for c in codes[:-1] if rng.random() < 0.35] or [codes[-1]]
        elif isinstance(question, SingleChoice):
            codes = [o.code for o in question.options]
            values = [rng.choices(codes, [len(codes) - i + 1 for i in range(len(codes))])[0]]
        else:
            values = [SKIPPED]
        given[question.id] = values
        for value in values:
            yield question.id, value
        if isinstance(question, Crosswise) and question.practice and values != [SKIPPED] \
                and arm_of(question.id, arms) == "crosswise":
            right = rng.random() < 0.9
            yield question.id + PRACTICE_SUFFIX, question.practice.answer if right else (
                SAME if question.practice.answer == DIFFERENT else DIFFERENT)


def _crosswise(rng: random.Random, question: Crosswise, arms: dict[str, str],
               staff: bool) -> list[str]:
    """Same/different from the attribute (none for a control) and the innocuous answer (yes
    with probability p); yes/no in the direct arm, where some deny the attribute."""
    holds = question.control_of is None and rng.random() < CROSSWISE_TRUTH
    if arm_of(question.id, arms) == "direct":
        return ["yes" if holds and rng.random() >= DENIAL[staff] else "no"]
    if rng.random() < RANDOM_ANSWERS:
        return [rng.choice((SAME, DIFFERENT))]
    return [SAME if holds == (rng.random() < question.p) else DIFFERENT]


def demo_months(today: date) -> list[str]:
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    first = f"{int(last[:4]) - 1}-{last[5:7]}"
    return periods.month_range(periods.next_month(first), last)
