"""create_app(settings): the lifespan owns the engine, questionnaires, templates and keys."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from app.i18n.templating import I18n, make_templates
from app.keys import Keys
from app.questionnaires.loader import Registry
from app.respondent.service import Clock, RespondentService
from app.settings import Settings, get_settings
from app.storage.engine import make_engine, unsafe_database_settings
from app.storage.flush import flush
from app.storage.session import Writers
from app.web import EXCEPTION_HANDLERS, ErrorPages, LanguageMiddleware, SecurityHeaders

log = logging.getLogger("lyssna")
HERE = Path(__file__).parent


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    i18n = I18n(settings.locale_dir)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        problems = unsafe_database_settings(engine)
        if problems:
            message = "unsafe PostgreSQL settings for anonymous answers: " + ", ".join(problems)
            if settings.environment == "production":
                engine.dispose()  # do not leak the pool's connections when refusing to start
                raise RuntimeError(message)
            log.warning(message)
        registry = Registry.from_directory(settings.questionnaire_dir)
        freeze_pending(engine, registry, settings.min_group_size)
        clock = Clock(ZoneInfo(settings.timezone))
        keys = Keys.from_secret(settings.secret_key)
        app.state.engine = engine
        if engine.dialect.name == "sqlite":
            app.state.writers = Writers(engine)
        app.state.clock = clock
        app.state.keys = keys
        app.state.registry = registry
        app.state.respondents = RespondentService(
            keys=keys, registry=registry, clock=clock, draft_days=settings.draft_days
        )
        flusher = asyncio.create_task(_flush_periodically(app, settings))
        if settings.results_warm_cache:
            asyncio.get_running_loop().run_in_executor(None, warm_results, app)
        try:
            yield
        finally:
            flusher.cancel()
            engine.dispose()

    app = FastAPI(
        title="Lyssna",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        exception_handlers=EXCEPTION_HANDLERS,  # type: ignore[arg-type]
    )
    app.state.settings = settings
    app.state.i18n = i18n
    app.state.templates = make_templates(HERE / "templates", i18n)
    css = (HERE / "static" / "app.css").read_bytes()
    app.state.templates.env.globals["static_version"] = hashlib.sha256(css).hexdigest()[:10]
    app.add_middleware(ErrorPages)
    app.add_middleware(LanguageMiddleware, i18n=i18n)
    app.add_middleware(GZipMiddleware, minimum_size=300)
    app.add_middleware(SecurityHeaders)

    from app.admin.routes import router as admin_router
    from app.auth.dependencies import LoginRequired, login_required_handler
    from app.auth.routes import router as auth_router
    from app.bias.routes import router as bias_router
    from app.issuance.routes import router as issuance_router
    from app.pages.routes import router as pages_router
    from app.questionnaires.routes import router as questionnaire_media_router
    from app.reports.api import install_openapi
    from app.reports.api import router as results_api_router
    from app.reports.free_text import router as free_text_router
    from app.reports.routes import router as results_router
    from app.respondent.routes import router as respondent_router

    app.include_router(respondent_router)
    app.include_router(pages_router)
    app.include_router(free_text_router)
    app.include_router(results_router)
    app.include_router(results_api_router)
    install_openapi(app)
    app.state.results_cache = {}
    app.include_router(auth_router)
    app.include_router(admin_router)
    app.include_router(issuance_router)
    app.add_exception_handler(LoginRequired, login_required_handler)
    app.include_router(questionnaire_media_router)
    app.include_router(bias_router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app


def close_due_periods(app: FastAPI, settings: Settings) -> None:
    """Close the last month once it has ended and its grace period has passed (ANONYMITY.md
    B.5.5); the flush that closing needs runs first, inside close_and_freeze."""
    from sqlmodel import Session

    from app.reports.service import due_for_closing
    from app.storage.flush import close_and_freeze

    today = app.state.clock.today()
    with Session(app.state.engine) as session:
        due = due_for_closing(session, today_month=today.strftime("%Y-%m"), day=today.day,
                              grace_days=settings.period_grace_days)
    if due:
        close_and_freeze(app.state.engine, period=due, registry=app.state.registry,
                         current_period=app.state.clock.period(), k=settings.min_group_size)
        log.info("closed period %s", due)
        if settings.results_warm_cache:
            warm_results(app)


def freeze_pending(engine: Engine, registry: Registry, k: int) -> None:
    """Months closed before `bias_count` or `suppression_pattern` existed (or a changed k)
    get their frozen bias counts and suppression patterns once, at start-up."""
    from sqlmodel import Session

    from app.reports.service import (
        bias_pending,
        freeze_patterns,
        freeze_pending_bias,
        patterns_pending,
    )

    with Session(engine) as session:  # the usual case: a read, no write lock
        if not bias_pending(session) and not patterns_pending(session, registry=registry, k=k):
            return
    with Session(engine) as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        months = freeze_pending_bias(session, registry=registry)
        stored = freeze_patterns(session, registry=registry, k=k)
        session.commit()
    log.info("froze the bias counts of %d closed months and the suppression patterns of %d "
             "periods", len(months), stored)


def warm_results(app: FastAPI) -> None:
    """Fill the results cache for the latest closed periods (see Settings.results_warm_cache)."""
    from sqlmodel import Session

    from app.reports.service import warm_cache

    try:
        with Session(app.state.engine) as session:
            warm_cache(session, registry=app.state.registry,
                       k=app.state.settings.min_group_size, cache=app.state.results_cache)
    except Exception as exc:  # a cold cache is slower, never wrong
        log.error("warming the results cache failed: %s", type(exc).__name__)


async def _flush_periodically(app: FastAPI, settings: Settings) -> None:
    """Flush when enough answers wait or a period has ended, in every process; the flush itself
    takes a database lock, so several workers never flush the same rows twice."""
    while True:
        await asyncio.sleep(settings.flush_check_seconds)
        try:
            await asyncio.to_thread(
                flush,
                app.state.engine,
                min_rows=settings.flush_min_rows,
                current_period=app.state.clock.period(),
            )
            await asyncio.to_thread(close_due_periods, app, settings)
        except Exception as exc:  # keep the loop alive; the next round retries
            log.error("flush failed: %s", type(exc).__name__)
        try:
            await asyncio.to_thread(run_purges, app.state.engine)
        except Exception as exc:
            log.error("purge failed: %s", type(exc).__name__)


def run_purges(engine: Engine) -> int:
    """Destroy batches' plaintext tokens once their download window is over, and the token rows
    of batches whose every period is published (ANONYMITY R13)."""
    from datetime import UTC, datetime

    from sqlmodel import Session

    from app.issuance.plaintext import purge_expired
    from app.issuance.service import purge_spent_tokens

    with Session(engine) as session:
        removed = purge_expired(session, datetime.now(UTC))
        purge_spent_tokens(session, now=datetime.now(UTC))
        session.commit()
    return removed
