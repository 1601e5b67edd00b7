"""Read-only JSON API for BI tools (Power BI, Excel Power Query) under /api/v1/.

Bearer tokens are per user, created on a staff page and stored as SHA-256 only; every answer
comes from the same `publication()` as the pages, with the same suppression. The OpenAPI schema
of these routes (and only these) is served at /api/v1/openapi.json.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlmodel import Session

from app.models import ApiToken, Intervention
from app.reports import export, queries
from app.reports.lattice import LatticeError, parse_query
from app.reports.service import Viewer, publication
from app.reports.viewer import viewer_for_user
from app.storage.session import SessionDep

PREFIX = "lys_"
bearer = HTTPBearer(auto_error=False, description="A personal API token from /results/api-tokens")
router = APIRouter(prefix="/api/v1", tags=["results"])


def hash_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create_token(session: Session, *, name: str, user_id: int,
                 now: datetime) -> tuple[ApiToken, str]:
    """A new bearer token; the plain text is returned once and never stored."""
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(hash=hash_token(token), prefix=token[:10], name=name[:100],
                   user_id=user_id, created_at=now)
    session.add(row)
    session.flush()
    return row, token


def revoke_token(session: Session, *, token_id: int, user_id: int) -> None:
    row = session.get(ApiToken, token_id)
    if row is not None and row.user_id == user_id:
        row.revoked = True
        session.add(row)


def api_viewer(session: SessionDep,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
               ) -> Viewer | None:
    if credentials is None or credentials.scheme.lower() != "bearer":
        return None
    row = session.execute(
        select(ApiToken).where(ApiToken.hash == hash_token(credentials.credentials))
    ).scalar_one_or_none()
    if row is None or row.revoked:
        return None
    return viewer_for_user(session, row.user_id)


ApiViewer = Annotated[Viewer | None, Depends(api_viewer)]


class ResultRow(BaseModel):
    breakdown: str = Field(description=(
        "none, municipality, language, channel, period or intervention; rows of the "
        "dependency-bias indicators have bias_channel, bias_acquiescence, bias_crosswise or "
        "bias_promise, with the estimate in `share` and its 95 % interval in "
        "`ci_low`/`ci_high` (docs/methods.md)"))
    group: str
    period: str
    intervention: str
    question_id: str
    option: str
    count: int | None
    share: float | None
    base: int | None
    suppressed: bool
    ci_low: float | None
    ci_high: float | None


class ResultsOut(BaseModel):
    questionnaire: str
    questionnaire_version: int
    intervention: str
    period: str
    breakdown: str
    min_group_size: int
    demo_data: bool
    rows: list[ResultRow]


class InterventionOut(BaseModel):
    slug: str
    name: str
    questionnaire: str


class PeriodsOut(BaseModel):
    closed_months: list[str]


def _unauthorised() -> JSONResponse:
    return JSONResponse({"detail": "a valid bearer token is required"}, status_code=401,
                        headers={"www-authenticate": "Bearer"})


@router.get("/interventions", response_model=list[InterventionOut])
def interventions(session: SessionDep, viewer: ApiViewer) -> Any:
    """Interventions with results."""
    if viewer is None:
        return _unauthorised()
    rows = session.execute(select(Intervention).order_by(Intervention.slug)).scalars()
    return [{"slug": i.slug, "name": i.name, "questionnaire": i.questionnaire_id} for i in rows]


@router.get("/periods", response_model=PeriodsOut)
def closed(session: SessionDep, viewer: ApiViewer) -> Any:
    """Closed (published, frozen) months."""
    if viewer is None:
        return _unauthorised()
    return {"closed_months": sorted(queries.closed_periods(session))}


@router.get("/results/{intervention}", response_model=ResultsOut,
            responses={400: {"description": "Outside the breakdown lattice"},
                       401: {"description": "Missing or invalid token"}})
def results(
    request: Request, session: SessionDep, viewer: ApiViewer, intervention: str,
    period: Annotated[str | None, Query(description="closed month YYYY-MM, quarter YYYY-Qn "
                                                    "or year YYYY")] = None,
    by: Annotated[str | None, Query(description="at most one of municipality, language, "
                                                "channel, period, intervention")] = None,
    area: Annotated[str, Query(description="'region' or a municipality slug")] = "region",
    version: Annotated[int | None, Query(description="questionnaire version")] = None,
) -> Any:
    """Aggregated, suppressed results in tidy long form (one row per group x question x
    option); suppressed numbers are null with suppressed=true."""
    if viewer is None:
        return _unauthorised()
    try:
        query = parse_query([("intervention", intervention),
                             *request.query_params.multi_items()])
        state = request.app.state
        pub = publication(session, registry=state.registry, query=query, viewer=viewer,
                          k=state.settings.min_group_size, cache=state.results_cache,
                          with_bias=True)
    except LatticeError as exc:
        return JSONResponse({"detail": exc.message}, status_code=exc.status_code)
    return export.as_dict(pub)


def install_openapi(app: FastAPI) -> None:
    """Serve the OpenAPI schema of /api/v1 only (the rest of the app has none)."""
    described = FastAPI(title="Lyssna results API", version="1", description=__doc__ or "")
    described.include_router(router)

    @app.get("/api/v1/openapi.json", include_in_schema=False)
    def openapi() -> JSONResponse:
        return JSONResponse(described.openapi())


def now() -> datetime:
    return datetime.now(UTC)
