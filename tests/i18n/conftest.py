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


@pytest.fixture
def incomplete_ar_client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    """The app with a copy of the catalogs in which one Arabic UI string is untranslated."""
    import shutil

    from app.i18n.catalogs import read_catalog, write_catalog
    from app.i18n.locales import catalog_path
    from app.settings import ROOT

    locales = tmp_path / "locales"
    shutil.copytree(ROOT / "locales", locales)
    po = catalog_path(locales, "ar")
    catalog = read_catalog(po)
    next(m for m in catalog if m.id).string = ""
    write_catalog(po, catalog)
    with TestClient(create_app(settings.model_copy(update={"locale_dir": locales})),
                    follow_redirects=False) as client:
        yield client
