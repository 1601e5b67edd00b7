"""Server-side randomisation for the bias experiments (ANONYMITY.md C.2, R24, R29).

Drawn once, when a draft is created, with the operating system's CSPRNG (`secrets`), and kept in
the encrypted draft: reloading a page never re-draws, and the draw carries no information about
the respondent. The response stores the result (`promise_variant`, `arms`) so results can compare
the randomised groups.
"""

from __future__ import annotations

import secrets

from app.questionnaires.schema import Questionnaire


def draw_variant(questionnaire: Questionnaire) -> int:
    """1..n for a questionnaire with n promise variants, uniformly; 0 = the built-in promise."""
    if not questionnaire.promises:
        return 0
    return 1 + secrets.randbelow(len(questionnaire.promises))


def draw_arms(questionnaire: Questionnaire) -> dict[str, str]:
    """One arm per split-ballot item, uniformly from its `split` list."""
    return {item.id: secrets.choice(item.split) for item in questionnaire.split_items()
            if item.split}
