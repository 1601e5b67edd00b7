"""The multilingual fixture questionnaire, installed next to the shipped battery, with a
generated audio clip and an intervention that issues tokens for it."""

from __future__ import annotations

import math
import shutil
import struct
import wave
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.models import Intervention
from app.questionnaires.loader import load_file, publish
from app.settings import ROOT

FIXTURE = Path(__file__).parent / "fixtures" / "multilingual.yaml"
FIXTURE_INTERVENTION = "fixture"


def write_tone(path: Path, *, seconds: float = 0.4, hz: float = 440.0) -> Path:
    """A real, tiny audio clip (16-bit mono WAV, 8 kHz): a tone standing in for a recording."""
    rate = 8000
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * hz * i / rate)))
        for i in range(int(seconds * rate))
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(frames)
    return path


def questionnaire_dir(tmp_path: Path) -> Path:
    """questionnaires/ as shipped, plus the fixture and its audio clip."""
    target = tmp_path / "questionnaires"
    target.mkdir()
    for path in (ROOT / "questionnaires").glob("*.yaml"):
        shutil.copy(path, target / path.name)
    shutil.copy(FIXTURE, target / FIXTURE.name)
    write_tone(target / "audio" / "feel_welcome.ar.wav")
    return target


def install_fixture(engine: Engine) -> None:
    """Publish the fixture and add an intervention whose tokens lead to it."""
    with Session(engine) as session:
        publish(session, load_file(FIXTURE))
        session.add(Intervention(slug=FIXTURE_INTERVENTION, name="Multilingual fixture",
                                 questionnaire_id="multilingual-fixture"))
        session.commit()
