"""`lyssna results export`, `lyssna periods close` and `lyssna demo --responses N`."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from app.cli import main
from tests.reports.helpers import Cell, close, seed


class TestExport:
    def test_formats_carry_the_same_numbers(self, engine, cli_env, tmp_path):
        seed(engine, [Cell(count=12), Cell(municipality="motala", count=7)])
        close(engine, "2026-01")
        runner = CliRunner()
        out_csv = runner.invoke(main, ["results", "export", "--intervention", "so", "--by",
                                       "municipality", "--period", "2026-01", "--format", "csv"])
        assert out_csv.exit_code == 0, out_csv.output
        rows = list(csv.DictReader(io.StringIO(out_csv.output)))
        path = tmp_path / "r.json"
        out_json = runner.invoke(main, ["results", "export", "--intervention", "so", "--by",
                                        "municipality", "--period", "2026-01", "--format",
                                        "json", "--out", str(path)])
        assert out_json.exit_code == 0, out_json.output
        data = json.loads(path.read_text())
        assert {(r["group"], r["option"], r["count"]) for r in rows if r["question_id"] == ""} \
            == {(r["group"], r["option"], "" if r["count"] is None else str(r["count"]))
                for r in data["rows"] if r["question_id"] == ""}
        assert any(r["group"] == "linkoping" and r["option"] == "responses"
                   and r["count"] == "12" for r in rows)

    def test_refuses_an_open_period(self, engine, cli_env):
        result = CliRunner().invoke(main, ["results", "export", "--intervention", "so",
                                           "--period", "2026-05", "--format", "csv"])
        assert result.exit_code != 0 and "closed" in result.output


class TestPeriodsClose:
    def test_closes_and_publishes(self, engine, cli_env):
        seed(engine, [Cell(count=8, month="2026-02")])
        result = CliRunner().invoke(main, ["periods", "close", "2026-02"])
        assert result.exit_code == 0, result.output
        assert "2026-02" in result.output
        again = CliRunner().invoke(main, ["periods", "close", "2026-02"])
        assert "nothing new" in again.output

    def test_rejects_a_bad_month(self, cli_env):
        assert CliRunner().invoke(main, ["periods", "close", "2026-13"]).exit_code != 0


class TestDemo:
    def test_zero_seeds_no_responses(self, engine, cli_env):
        result = CliRunner().invoke(main, ["demo", "--responses", "0"])
        assert result.exit_code == 0
        assert "demo responses" not in result.output

    def test_seeds_marked_demo_data_in_closed_months(self, engine, cli_env, client):
        result = CliRunner().invoke(main, ["demo", "--responses", "400"])
        assert result.exit_code == 0, result.output
        assert "400 demo responses" in result.output
        page = client.get("/results/so")
        assert page.status_code == 200
        assert "Demo" in page.text or "demo" in page.text
        data = json.loads(client.get("/results/so/download?format=json").content)
        assert data["demo_data"] is True
        again = CliRunner().invoke(main, ["demo", "--responses", "400"])
        assert "not seeded" in again.output
