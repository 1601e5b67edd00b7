"""T-B5 (R18): only lattice combinations are answered; everything else is refused with a
clear, translated message and 400/422, on the page, the downloads and the API."""

from __future__ import annotations

import pytest

from tests.reports.helpers import Cell, close, seed
from tests.staff_factories import Staff

REFUSED = [
    "by=language&by=channel",
    "by=language,channel",
    "by=language+channel",
    "by=municipality&area=motala",
    "from=2026-01-01&to=2026-01-15",
    "period=2026-01-01..2026-01-31",
    "period=2026-W02",
    "period=last-30-days",
    "course_useful=5",
    "filter=course_useful:5",
    "answer=course_useful",
    "language=sv&channel=staff_group",
    "by=gender",
    "by=period&period=2026-01",
]


@pytest.fixture
def closed_month(engine):
    seed(engine, [Cell(count=12)])
    close(engine, "2026-01")




class TestRefused:
    @pytest.mark.parametrize("query", REFUSED)
    def test_page(self, client, closed_month, query):
        response = client.get(f"/results/so?{query}")
        assert response.status_code in (400, 422)
        assert "role=\"alert\"" in response.text

    @pytest.mark.parametrize("query", REFUSED)
    def test_download(self, client, closed_month, query):
        response = client.get(f"/results/so/download?{query}&format=csv")
        assert response.status_code in (400, 422)
        assert b"breakdown,group" not in response.content

    @pytest.mark.parametrize("query", REFUSED)
    def test_api(self, client, closed_month, token, query):
        response = client.get(f"/api/v1/results/so?{query}",
                              headers={"authorization": f"Bearer {token}"})
        assert response.status_code in (400, 422)
        assert response.json()["detail"]

    def test_message_says_why(self, client, closed_month):
        text = client.get("/results/so?by=language&by=channel",
                          headers={"accept-language": "en"}).text
        assert "Only one breakdown at a time" in text


class TestAllowed:
    @pytest.mark.parametrize("query", [
        "", "period=2026-01", "by=municipality&period=2026-01", "by=language&period=2026-01",
        "by=channel&area=linkoping&period=2026-01", "by=intervention&period=2026-01",
    ])
    def test_lattice_queries_are_answered(self, client, closed_month, query):
        assert client.get(f"/results/so?{query}").status_code == 200

    def test_open_period_is_not_published(self, client, closed_month):
        assert client.get("/results/so?period=2026-02").status_code == 404
        assert client.get("/results/so?period=2026-Q1").status_code == 404


class TestApiAuth:
    def test_no_token_no_results(self, client, closed_month):
        assert client.get("/api/v1/results/so").status_code == 401
        bad = client.get("/api/v1/results/so", headers={"authorization": "Bearer lys_nope"})
        assert bad.status_code == 401

    def test_revoked_token_stops_working(self, client, closed_month, token, engine):
        from sqlalchemy import select
        from sqlmodel import Session

        from app.models import ApiToken

        ok = client.get("/api/v1/results/so", headers={"authorization": f"Bearer {token}"})
        assert ok.status_code == 200 and ok.json()["rows"]
        with Session(engine) as session:
            row = session.execute(select(ApiToken)).scalar_one()
            assert token.encode() not in row.hash and row.prefix == token[:10]
        Staff(client).post("/results/api-tokens", {"revoke": str(row.id)},
                           form_url="/results/api-tokens")
        again = client.get("/api/v1/results/so", headers={"authorization": f"Bearer {token}"})
        assert again.status_code == 401

    def test_schema_documents_only_the_api(self, client):
        schema = client.get("/api/v1/openapi.json").json()
        assert set(schema["paths"]) == {"/api/v1/interventions", "/api/v1/periods",
                                        "/api/v1/results/{intervention}"}
        assert schema["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert client.get("/openapi.json").status_code == 404
