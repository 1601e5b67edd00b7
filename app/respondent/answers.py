"""Reading a page's answers from a plain HTML form, and which questions a respondent sees.

Answers are kept as lists of codes: one code for most items, several for multiple choice, and
the special codes for "prefer not to answer" and "don't know". A question nobody answered on a
page the respondent saw is stored as skipped; one hidden by its condition is not stored at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from app.i18n.templating import gettext as _
from app.questionnaires.schema import (
    DIFFERENT,
    DONT_KNOW,
    PRACTICE_SUFFIX,
    PREFER_NOT,
    SAME,
    SKIPPED,
    Crosswise,
    FreeText,
    MultipleChoice,
    Number,
    Question,
    Questionnaire,
    Section,
    answer_codes,
)

Answers = dict[str, list[str]]


class FormData(Mapping[str, str]):
    """The subset of Starlette's FormData this module needs (also easy to build in tests)."""

    def getlist(self, key: str) -> list[str]: ...


def is_visible(question: Question, answers: Answers, *, arms: Mapping[str, str]) -> bool:
    """Shown by its condition on earlier answers; a crosswise control only to respondents who
    got its sensitive item as crosswise: it measures how often *they* answer wrongly, and its
    short explanation ("the same again") assumes the full one and the practice pair."""
    if isinstance(question, Crosswise) and question.control_of is not None \
            and arm_of(question.control_of, arms) != "crosswise":
        return False
    cond = question.show_if
    if cond is None:
        return True
    given = answers.get(cond.question, [])
    return any(code in cond.any_of for code in given)


def visible_questions(section: Section, answers: Answers, *,
                      arms: Mapping[str, str]) -> list[Question]:
    return [q for q in section.questions if is_visible(q, answers, arms=arms)]


def allows_dont_know(question: Question) -> bool:
    return bool(getattr(question, "dont_know", False))


@dataclass
class PageResult:
    answers: Answers = field(default_factory=dict)  # answered questions on this page
    cleared: list[str] = field(default_factory=list)  # left empty: forget earlier answers
    errors: dict[str, str] = field(default_factory=dict)  # question id -> message
    raw: dict[str, str] = field(default_factory=dict)  # what was typed, to show it again


def arm_of(item_id: str, arms: Mapping[str, str]) -> str:
    """How a crosswise item is asked to this respondent: 'crosswise' unless drawn 'direct'."""
    return arms.get(item_id, "crosswise")


def crosswise_codes(question: Crosswise, arms: Mapping[str, str]) -> set[str]:
    return {"yes", "no"} if arm_of(question.id, arms) == "direct" else {SAME, DIFFERENT}


def read_page(
    questionnaire: Questionnaire, section: Section, form: FormData, answers: Answers,
    arms: Mapping[str, str] | None = None,
) -> PageResult:
    result = PageResult()
    arms = arms or {}
    for q in visible_questions(section, answers, arms=arms):
        if isinstance(q, Crosswise) and q.practice and arm_of(q.id, arms) == "crosswise":
            _read_practice(q, form, result)
        values = [v for v in form.getlist(q.id) if v != ""]
        special = [v for v in values if v in (PREFER_NOT, DONT_KNOW)]
        if form.get(f"{q.id}.pna"):
            special = [PREFER_NOT]
        if special:
            if special[0] == DONT_KNOW and not allows_dont_know(q):
                result.errors[q.id] = _("This answer is not one of the choices.")
            else:
                result.answers[q.id] = [special[0]]
            continue
        if not values:
            result.cleared.append(q.id)
            continue
        if isinstance(q, Crosswise):
            # Only "same"/"different" (or yes/no in the direct arm) is ever stored.
            if len(values) > 1 or values[0] not in crosswise_codes(q, arms):
                result.errors[q.id] = _("This answer is not one of the choices.")
            else:
                result.answers[q.id] = values
            continue
        error, parsed = _parse(questionnaire, q, values)
        if error:
            result.errors[q.id] = error
            result.raw[q.id] = values[0]
        else:
            result.answers[q.id] = parsed
    return result


def _read_practice(q: Crosswise, form: FormData, result: PageResult) -> None:
    key = q.id + PRACTICE_SUFFIX
    value = form.get(key, "")
    if value in (SAME, DIFFERENT):
        result.answers[key] = [value]
    elif value == "":
        result.cleared.append(key)
    else:
        result.errors[q.id] = _("This answer is not one of the choices.")


def _parse(questionnaire: Questionnaire, q: Question, values: list[str]) -> tuple[str, list[str]]:
    if isinstance(q, Number):
        text = values[0].strip()
        if not text.lstrip("-").isdigit():
            return _("Please write a whole number, for example 3."), []
        number = int(text)
        if not q.min <= number <= q.max:
            return _("Please write a number from %(min)s to %(max)s.") % {
                "min": q.min,
                "max": q.max,
            }, []
        return "", [str(number)]
    if isinstance(q, FreeText):
        text = values[0].strip()
        if len(text) > q.max_length:
            return _("Please shorten your answer to %(n)s characters.") % {"n": q.max_length}, []
        return "", [text]
    allowed = answer_codes(q, questionnaire) or set()
    if any(v not in allowed for v in values):
        return _("This answer is not one of the choices."), []
    if not isinstance(q, MultipleChoice) and len(values) > 1:
        return _("Please choose only one answer."), []
    # Keep the questionnaire's option order so stored answers do not depend on the browser.
    order = {code: i for i, code in enumerate(_option_order(q))}
    return "", sorted(set(values), key=lambda v: order.get(v, 0))


def _option_order(q: Question) -> list[str]:
    options = getattr(q, "options", None)
    if options:
        return [o.code for o in options]
    return ["1", "2", "3", "4", "5", "yes", "no"]


def missing_required(questionnaire: Questionnaire, answers: Answers, *,
                     arms: Mapping[str, str]) -> list[tuple[int, Question]]:
    """Required questions the respondent can see but has not answered, with their page."""
    missing = []
    for index, section in enumerate(questionnaire.sections):
        for q in visible_questions(section, answers, arms=arms):
            if q.required and not answers.get(q.id):
                missing.append((index, q))
    return missing


def final_answers(questionnaire: Questionnaire, answers: Answers, *,
                  arms: Mapping[str, str]) -> Answers:
    """What is stored: answers to visible questions, `_skip` for visible unanswered ones.

    An answer to a question that later became hidden (the respondent went back and changed the
    answer it depended on) is dropped, so stored data never contradicts the conditions.
    """
    stored: Answers = {}
    for section in questionnaire.sections:
        for q in visible_questions(section, stored, arms=arms):
            stored[q.id] = answers.get(q.id) or [SKIPPED]
            practice = q.id + PRACTICE_SUFFIX
            if isinstance(q, Crosswise) and practice in answers:
                stored[practice] = answers[practice]
    return stored
