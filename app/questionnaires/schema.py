"""The typed shape of a question battery file (questionnaires/*.yaml).

A battery is data written by people, so validation is strict (unknown keys are errors) and the
checks that span questions (unique ids, conditions on earlier answers, reverse-keyed pairs) live
here too, so `lyssna questionnaire check` and the loader agree on what a valid file is.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

SOURCE_LANGUAGE = "sv"
SLUG = r"^[a-z][a-z0-9_]*$"
AUDIO_FILE = r"^[A-Za-z0-9][A-Za-z0-9_.-]*\.(opus|ogg|oga|mp3|m4a|wav)$"

# Codes stored for answers that are not a substantive choice. They never collide with option
# codes, which must match SLUG or be digits.
PREFER_NOT = "_pna"
DONT_KNOW = "_dk"
SKIPPED = "_skip"
NON_SUBSTANTIVE = frozenset({PREFER_NOT, DONT_KNOW, SKIPPED})
# Crosswise answers (ANONYMITY.md C.5): only whether two answers are the same, never the
# sensitive answer itself. A split-ballot item asked directly stores "yes"/"no" instead.
SAME = "same"
DIFFERENT = "different"
ARMS = ("direct", "crosswise")
PRACTICE_SUFFIX = ".practice"  # stored key of a crosswise item's practice answer



def _known_languages(text: dict[str, str]) -> dict[str, str]:
    from app.i18n.locales import LANGUAGES

    unknown = sorted(k for k in text if k not in LANGUAGES)
    if unknown:
        raise ValueError(
            f"unknown language tag(s) {unknown}; known: {', '.join(LANGUAGES)}"
        )
    return text


Text = Annotated[dict[str, str], AfterValidator(_known_languages)]
"""A text in several languages: language tag -> text. Swedish (the source) is required."""

ReviewStatus = Literal["draft", "reviewed"]
"""`draft`: no native speaker has reviewed this language's texts yet. Shown to respondents all
the same, listed by `lyssna translations drafts`, never presented as reviewed."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _require_source(text: Text) -> Text:
    if not text.get(SOURCE_LANGUAGE, "").strip():
        raise ValueError(f"needs a '{SOURCE_LANGUAGE}' text (Swedish is the source language)")
    return text


SourceText = Annotated[Text, Field(min_length=1)]


class Option(Strict):
    code: str = Field(pattern=r"^([a-z][a-z0-9_]*|[0-9]+)$")
    text: SourceText

    _check_text = field_validator("text")(_require_source)


class Condition(Strict):
    """Show a question only if an earlier question got one of these answers."""

    question: str
    any_of: list[str] = Field(min_length=1)


class Scale(Strict):
    """Five labelled points for Likert items; shared by many questions."""

    id: str = Field(pattern=SLUG)
    points: list[SourceText] = Field(min_length=5, max_length=5)

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: list[Text]) -> list[Text]:
        for point in points:
            _require_source(point)
        return points


class QuestionBase(Strict):
    id: str = Field(pattern=SLUG, max_length=40)
    text: SourceText
    help: Text | None = None
    required: bool = False
    show_if: Condition | None = None
    audio: dict[str, Annotated[str, Field(pattern=AUDIO_FILE)]] | None = None
    """A recorded clip per language, a file name in questionnaires/audio/."""

    _check_text = field_validator("text")(_require_source)


class SingleChoice(QuestionBase):
    type: Literal["single"]
    options: list[Option] = Field(min_length=2)
    dont_know: bool = False


class MultipleChoice(QuestionBase):
    type: Literal["multiple"]
    options: list[Option] = Field(min_length=2)
    dont_know: bool = False


class Likert(QuestionBase):
    type: Literal["likert"]
    scale: str
    pictograms: bool = False
    dont_know: bool = False
    reverse_of: str | None = None


class YesNo(QuestionBase):
    type: Literal["yesno"]
    dont_know: bool = False


class Number(QuestionBase):
    type: Literal["number"]
    min: int
    max: int
    unit: Text | None = None

    @model_validator(mode="after")
    def _bounds(self) -> Number:
        if self.min > self.max:
            raise ValueError("min must not be greater than max")
        return self


class FreeText(QuestionBase):
    """Short free text. Free text can identify people: it is flagged, capped and never shown
    in results by default."""

    type: Literal["text"]
    max_length: int = Field(default=300, ge=1, le=500)
    free_text: Literal[True] = True


DEFAULT_INNOCUOUS: Text = {
    "sv": "Tänk på telefonnumret till en släkting eller vän som bor i ett annat land. "
    "Är den sista siffran 1 eller 2?",
    "en": "Think of the phone number of a relative or friend who lives abroad. "
    "Is its last digit 1 or 2?",
}
DEFAULT_INNOCUOUS_P = 0.2  # last digits are close to uniform: P(1 or 2) = 0.2


class Practice(Strict):
    """A crosswise practice pair whose answer everyone knows: a comprehension check."""

    first: SourceText
    second: SourceText
    answer: Literal["same", "different"]

    _check = field_validator("first", "second")(_require_source)


class Crosswise(QuestionBase):
    """A sensitive yes/no statement asked with the crosswise model (Yu, Tian & Tang 2008).

    The respondent thinks of two answers, the sensitive one and an innocuous one with a known
    probability `p` of "yes", and says only whether they are the same or different. The server
    never learns the sensitive answer; prevalence is estimated for groups (app/bias/estimators.py).
    `text` is the sensitive statement. `control_of` marks this item as the zero-prevalence control
    (a statement false for everyone) of another crosswise item: its estimate is the false-positive
    rate. `split` asks a random half the sensitive statement directly (split-ballot).
    """

    type: Literal["crosswise"]
    innocuous: SourceText = Field(default_factory=lambda: dict(DEFAULT_INNOCUOUS))
    p: float = Field(default=DEFAULT_INNOCUOUS_P, gt=0, lt=1)
    explanation: SourceText
    practice: Practice | None = None
    control_of: str | None = None
    split: list[Literal["direct", "crosswise"]] | None = None

    _check_more = field_validator("innocuous", "explanation")(_require_source)

    @field_validator("p")
    @classmethod
    def _not_half(cls, p: float) -> float:
        if abs(p - 0.5) < 0.05:
            raise ValueError("p must be clearly different from 0.5 (0.5 hides nothing and "
                             "estimates nothing); the default phone-digit question has p = 0.2")
        return p

    @field_validator("split")
    @classmethod
    def _split(cls, arms: list[str] | None) -> list[str] | None:
        if arms is not None and sorted(arms) != sorted(ARMS):
            raise ValueError("split must be [direct, crosswise]")
        return arms

    @property
    def epsilon(self) -> float:
        """Local differential privacy of one answer: |ln((1 - p) / p)|."""
        return abs(math.log((1 - self.p) / self.p))


Question = Annotated[
    SingleChoice | MultipleChoice | Likert | YesNo | Number | FreeText | Crosswise,
    Field(discriminator="type"),
]


class Section(Strict):
    """One page of the questionnaire."""

    id: str = Field(pattern=SLUG)
    title: SourceText
    intro: Text | None = None
    questions: list[Question] = Field(min_length=1)

    _check_title = field_validator("title")(_require_source)


class Promise(Strict):
    """One randomised variant of the anonymity promise on the welcome page (ANONYMITY.md C.2).

    `{k}` in a point is replaced by the live minimum group size.
    """

    id: str = Field(pattern=SLUG)
    points: list[SourceText] = Field(min_length=1, max_length=6)

    @field_validator("points")
    @classmethod
    def _check_points(cls, points: list[Text]) -> list[Text]:
        for point in points:
            _require_source(point)
        return points


class Questionnaire(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    version: int = Field(ge=1)
    title: SourceText
    description: Text | None = None
    translations: dict[str, ReviewStatus] = {}
    """Review status per language other than Swedish; a language not listed counts as draft."""
    scales: list[Scale] = []
    # Two or three promise texts: each respondent sees one, drawn uniformly at random; the
    # response stores its number (1-based; 0 = the app's built-in promise).
    promises: list[Promise] = Field(default=[], max_length=3)
    sections: list[Section] = Field(min_length=1)

    _check_title = field_validator("title")(_require_source)

    @field_validator("translations")
    @classmethod
    def _check_translations(cls, value: dict[str, str]) -> dict[str, str]:
        _known_languages(value)
        if SOURCE_LANGUAGE in value:
            raise ValueError(f"'{SOURCE_LANGUAGE}' is the source language, not a translation")
        return value

    def review_status(self, language: str) -> str:
        """'source' for Swedish; otherwise the recorded status, 'draft' when none is recorded."""
        if language == SOURCE_LANGUAGE:
            return "source"
        return self.translations.get(language, "draft")

    @model_validator(mode="after")
    def _cross_checks(self) -> Questionnaire:
        scales = {s.id for s in self.scales}
        seen: dict[str, QuestionBase] = {}
        for section in self.sections:
            on_page = {q.id for q in section.questions}
            for q in section.questions:
                if q.id in seen:
                    raise ValueError(f"question id '{q.id}' is used twice")
                if isinstance(q, Likert) and q.scale not in scales:
                    raise ValueError(f"question '{q.id}': unknown scale '{q.scale}'")
                if q.show_if is not None:
                    target = seen.get(q.show_if.question)
                    if q.show_if.question in on_page:
                        raise ValueError(
                            f"question '{q.id}': show_if must refer to a question on an earlier "
                            "page (pages work without JavaScript)"
                        )
                    if target is None:
                        raise ValueError(
                            f"question '{q.id}': show_if refers to '{q.show_if.question}', "
                            "which is not an earlier question"
                        )
                    allowed = answer_codes(target, self)
                    if allowed is not None:
                        bad = [c for c in q.show_if.any_of if c not in allowed]
                        if bad:
                            raise ValueError(
                                f"question '{q.id}': show_if uses unknown answer(s) {bad} "
                                f"of '{target.id}'"
                            )
                if isinstance(q, MultipleChoice | SingleChoice):
                    codes = [o.code for o in q.options]
                    if len(codes) != len(set(codes)):
                        raise ValueError(f"question '{q.id}': option codes must be unique")
                seen[q.id] = q
        if len(self.promises) == 1:
            raise ValueError("promises: give two or three variants (or none for the default)")
        if len({p.id for p in self.promises}) != len(self.promises):
            raise ValueError("promises: variant ids must be unique")
        for q in seen.values():
            if isinstance(q, Crosswise):
                if len(q.id) + len(PRACTICE_SUFFIX) > 40:
                    raise ValueError(f"question '{q.id}': crosswise ids have at most 31 letters")
                if q.control_of is not None:
                    target = seen.get(q.control_of)
                    if not isinstance(target, Crosswise) or target.control_of is not None:
                        raise ValueError(
                            f"question '{q.id}': control_of '{q.control_of}' is not a "
                            "sensitive crosswise item"
                        )
                    if q.split:
                        raise ValueError(f"question '{q.id}': a control item is never split")
            if isinstance(q, Likert) and q.reverse_of is not None:
                twin = seen.get(q.reverse_of)
                if not isinstance(twin, Likert):
                    raise ValueError(
                        f"question '{q.id}': reverse_of '{q.reverse_of}' is not a Likert item"
                    )
                if twin.scale != q.scale:
                    raise ValueError(f"question '{q.id}': reverse pair must share a scale")
        return self

    # -- helpers used by the rest of the app -------------------------------------------------

    @property
    def key(self) -> str:
        return f"{self.id}@{self.version}"

    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question:
        for q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def crosswise_items(self) -> list[Crosswise]:
        return [q for q in self.questions() if isinstance(q, Crosswise)]

    def split_items(self) -> list[Crosswise]:
        return [q for q in self.crosswise_items() if q.split]

    def control_for(self, qid: str) -> Crosswise | None:
        return next((q for q in self.crosswise_items() if q.control_of == qid), None)

    def balanced_pairs(self) -> list[tuple[str, str]]:
        """(positive item, reverse-keyed twin) for every `reverse_of` pair."""
        return [(q.reverse_of, q.id) for q in self.questions()
                if isinstance(q, Likert) and q.reverse_of is not None]

    def scale(self, sid: str) -> Scale:
        return next(s for s in self.scales if s.id == sid)

    def fingerprint(self) -> str:
        """Hash of what answers depend on: structure and the Swedish source texts.

        Translations may be added to a published version; anything that changes what an answer
        means (ids, types, options, conditions, source wording) needs a new version.
        """
        data = self.model_dump(mode="json")
        return hashlib.sha256(
            json.dumps(_source_only(data), sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def answer_codes(q: QuestionBase, questionnaire: Questionnaire) -> set[str] | None:
    """Substantive answer codes a question accepts (None: open values such as numbers)."""
    if isinstance(q, SingleChoice | MultipleChoice):
        return {o.code for o in q.options}
    if isinstance(q, Likert):
        return {str(i) for i in range(1, 6)}
    if isinstance(q, YesNo):
        return {"yes", "no"}
    if isinstance(q, Crosswise):
        return {SAME, DIFFERENT, "yes", "no"} if q.split else {SAME, DIFFERENT}
    return None


_LANG_KEY = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")


def _source_only(node: object) -> object:
    """Drop every non-source language from text maps, keep everything else."""
    if isinstance(node, dict):
        if node and all(isinstance(k, str) and _LANG_KEY.match(k) for k in node) and all(
            isinstance(v, str) for v in node.values()
        ):
            return {k: v for k, v in node.items() if k == SOURCE_LANGUAGE}
        return {
            k: _source_only(v) for k, v in node.items() if k not in ("audio", "translations")
        }
    if isinstance(node, list):
        return [_source_only(v) for v in node]
    return node


# Words that give away a birthday-based randomiser, in the languages a battery is written in.
_BIRTHDAY = re.compile(
    r"birth|born|födelse|född|föds|geburt|ميلاد|مولود|تولد|زاد|dhalasho|ልደት|народж|jidayk|"
    r"rojbûn|لەدایک",
    re.IGNORECASE,
)


def warnings(q: Questionnaire) -> list[str]:
    """Advice that does not make a file invalid, printed by `lyssna questionnaire check`."""
    found = []
    for item in q.crosswise_items():
        if any(_BIRTHDAY.search(text) for text in item.innocuous.values()):
            found.append(
                f"question '{item.id}': the innocuous question is about birthdays; many newcomers "
                "have assigned birth dates, so p is unknown. Use the phone-digit question."
            )
        if item.control_of is None and q.control_for(item.id) is None:
            found.append(
                f"question '{item.id}': crosswise item without a zero-prevalence control item "
                "(control_of); its false positives cannot be measured"
            )
        if item.control_of is None and item.practice is None:
            found.append(f"question '{item.id}': crosswise item without a practice question")
    return found
