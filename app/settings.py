"""Settings from LYSSNA_* environment variables.

In development a missing secret key is generated once into var/ so `make run` just works; in
production it is required and a weak one is refused.
"""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LYSSNA_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = f"sqlite:///{ROOT / 'var' / 'lyssna.db'}"
    base_url: str = "http://127.0.0.1:8000"
    secret_key: str = ""
    var_dir: Path = ROOT / "var"
    questionnaire_dir: Path = ROOT / "questionnaires"
    locale_dir: Path = ROOT / "locales"
    # Anonymity and disclosure control (see ../shared/ANONYMITY.md).
    flush_min_rows: int = Field(default=10, ge=1)
    flush_check_seconds: float = Field(default=60.0, gt=0)
    min_group_size: int = Field(default=5, ge=5)
    # Free-text answers are never shown or exported, unless this is on: then an admin may read
    # and export, for the whole region, the texts of groups of at least free_text_min_group
    # (ANONYMITY.md R20).
    free_text_export: bool = False
    free_text_min_group: int = Field(default=10, ge=10)
    period_grace_days: int = Field(default=7, ge=0)
    # Compute the suppressed results of the latest closed periods at startup and after each
    # close, in the background, so the first results page is served from the cache.
    results_warm_cache: bool = False
    token_days_valid: int = Field(default=60, ge=1)
    draft_days: int = Field(default=30, ge=1)
    # Plaintext tokens stay downloadable (PDF/PNG/SVG, show on screen) this long, then are
    # destroyed (ANONYMITY.md A.6, R13).
    token_download_hours: int = Field(default=24, ge=1, le=24 * 7)
    timezone: str = "Europe/Stockholm"

    @model_validator(mode="after")
    def _secret(self) -> Settings:
        if self.environment == "production":
            if len(self.secret_key) < 32 or self.secret_key in {"changeme", "secret"}:
                raise ValueError(
                    "LYSSNA_SECRET_KEY must be set to at least 32 random characters in production"
                )
        elif not self.secret_key:
            self.secret_key = _development_secret(self.var_dir)
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _development_secret(var_dir: Path) -> str:
    path = var_dir / "secret_key"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
