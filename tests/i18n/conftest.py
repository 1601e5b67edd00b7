from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from app.main import create_app
from app.settings import Settings
from app.storage.engine import make_engine
from tests.i18n.helpers import install_fixture, questionnaire_dir


@pytest.fixture
def ml_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Settings whose questionnaire folder also holds the multilingual fixture."""
    return settings.model_copy(update={"questionnaire_dir": questionnaire_dir(tmp_path)})


@pytest.fixture
def ml_engine(ml_settings: Settings) -> Iterator[Engine]:
    engine = make_engine(ml_settings.database_url)
    install_fixture(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def ml_client(ml_settings: Settings, ml_engine: Engine) -> Iterator[TestClient]:
    with TestClient(create_app(ml_settings), follow_redirects=False) as client:
        yield client
