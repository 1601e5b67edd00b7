"""Which languages a questionnaire version can be offered in: only complete ones.

Every text a respondent can see counts: title, description, scale points, section titles and
intros, question texts, help texts, options and units. A language with one text missing is not
offered at all, so nobody gets a page that silently falls back to Swedish.
"""

from __future__ import annotations

from app.i18n.locales import LANGUAGES
from app.questionnaires.schema import Crosswise, Questionnaire, Text


def text_maps(q: Questionnaire) -> list[tuple[str, Text]]:
    """Every translatable text of a questionnaire, with a readable location."""
    found: list[tuple[str, Text]] = [("title", q.title)]
    if q.description:
        found.append(("description", q.description))
    for promise in q.promises:
        found += [(f"promise {promise.id} point {i + 1}", p) for i, p in enumerate(promise.points)]
    for scale in q.scales:
        found += [(f"scale {scale.id} point {i + 1}", p) for i, p in enumerate(scale.points)]
    for section in q.sections:
        found.append((f"section {section.id} title", section.title))
        if section.intro:
            found.append((f"section {section.id} intro", section.intro))
        for question in section.questions:
            found.append((f"question {question.id}", question.text))
            if question.help:
                found.append((f"question {question.id} help", question.help))
            for option in getattr(question, "options", []):
                found.append((f"question {question.id} option {option.code}", option.text))
            unit = getattr(question, "unit", None)
            if unit:
                found.append((f"question {question.id} unit", unit))
            if isinstance(question, Crosswise):
                # A crosswise item is offered only with its explanation in the language (R30).
                found.append((f"question {question.id} innocuous", question.innocuous))
                found.append((f"question {question.id} explanation", question.explanation))
                if question.practice:
                    practice = question.practice
                    found.append((f"question {question.id} practice first", practice.first))
                    found.append((f"question {question.id} practice second", practice.second))
    return found


def missing_texts(q: Questionnaire, language: str) -> list[str]:
    """Locations (as in `text_maps`) of the texts not yet translated into `language`."""
    return [where for where, text in text_maps(q) if not text.get(language, "").strip()]


def languages_present(q: Questionnaire) -> tuple[str, ...]:
    """Languages with at least one text in the file, in LANGUAGES order."""
    present = set().union(*(text.keys() for _, text in text_maps(q)))
    return tuple(code for code in LANGUAGES if code in present)


def complete_languages(q: Questionnaire) -> tuple[str, ...]:
    """Languages the version can be offered in, in the order of LANGUAGES (the picker's)."""
    return tuple(code for code in languages_present(q) if not missing_texts(q, code))
