"""Read battery files from questionnaires/ with line-precise errors, and publish versions.

Publishing stores a version's definition and fingerprint in the database; a published version
never changes meaning afterwards (answers point to it), so a file whose fingerprint differs from
the published one is refused until its version number is raised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlmodel import Session, select

from app.models import QuestionnaireVersion
from app.questionnaires.languages import complete_languages
from app.questionnaires.schema import Questionnaire


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class QuestionnaireError(Exception):
    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """Walk the YAML node tree along a Pydantic error location to find its line."""
    line = node.start_mark.line + 1 if node is not None else None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if k.value == key), None)
            if found is None:
                # Discriminated unions add the tag ('likert', …) to the location: skip it.
                continue
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int):
            node = node.value[key] if key < len(node.value) else None
        else:
            # Discriminated unions add the tag ('likert', …) to the location: skip it.
            continue
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def load_file(path: Path) -> Questionnaire:
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise QuestionnaireError([Problem(path, line, f"not valid YAML: {exc}")]) from exc
    try:
        return Questionnaire.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(err["loc"])
            field = ".".join(str(p) for p in loc) or "(file)"
            problems.append(Problem(path, _line_of(root, loc), f"{field}: {err['msg']}"))
        raise QuestionnaireError(problems) from exc


def questionnaire_files(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


@dataclass
class Registry:
    """Every questionnaire version the app can serve, keyed by (id, version)."""

    versions: dict[tuple[str, int], Questionnaire]
    _languages: dict[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: Path) -> Registry:
        versions: dict[tuple[str, int], Questionnaire] = {}
        for path in questionnaire_files(directory):
            q = load_file(path)
            if (q.id, q.version) in versions:
                raise QuestionnaireError([Problem(path, None, f"{q.key} is defined twice")])
            versions[(q.id, q.version)] = q
        return cls(versions)

    def get(self, questionnaire_id: str, version: int) -> Questionnaire:
        return self.versions[(questionnaire_id, version)]

    def languages(self, q: Questionnaire) -> tuple[str, ...]:
        """Languages in which every text of this version is translated."""
        key = (q.id, q.version)
        if key not in self._languages:
            self._languages[key] = complete_languages(q)
        return self._languages[key]

    def latest(self, questionnaire_id: str) -> Questionnaire:
        candidates = [q for (qid, _), q in self.versions.items() if qid == questionnaire_id]
        if not candidates:
            raise KeyError(questionnaire_id)
        return max(candidates, key=lambda q: q.version)


def publish(session: Session, questionnaire: Questionnaire) -> QuestionnaireVersion:
    """Record a version as published, or check it still matches what was published."""
    row = session.exec(
        select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire.id,
            QuestionnaireVersion.version == questionnaire.version,
        )
    ).first()
    definition = questionnaire.model_dump(mode="json", exclude_none=True)
    if row is None:
        row = QuestionnaireVersion(
            questionnaire_id=questionnaire.id,
            version=questionnaire.version,
            fingerprint=questionnaire.fingerprint(),
            definition=definition,
            published_at=datetime.now(UTC),
        )
        session.add(row)
        session.flush()
    elif row.fingerprint != questionnaire.fingerprint():
        raise QuestionnaireError(
            [
                Problem(
                    Path(questionnaire.id),
                    None,
                    f"version {questionnaire.version} is published and its questions or Swedish "
                    "texts changed; raise `version` to publish the change",
                )
            ]
        )
    else:
        row.definition = definition  # translations may be added to a published version
    return row
