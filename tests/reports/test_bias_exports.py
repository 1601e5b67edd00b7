"""The dependency-bias indicators (issue 6) go out through the same gate as every other
result: CSV, XLSX, JSON, the API and the CLI carry the numbers the page shows, with the same
k rules, and a municipal analyst gets none for the region."""

from __future__ import annotations

import csv
import io
import json
import statistics

import openpyxl
import pytest
from click.testing import CliRunner

from app.cli import main
from app.storage.flush import flush
from tests.factories import Respondent, create_tokens
from tests.reports.conftest import logged_in
from tests.reports.helpers import Cell, close, seed


@pytest.fixture
def database_url(db_url: str) -> str:
    return db_url


STAFF = [str(v) for v in [5, 5, 4, 5, 5, 4, 5, 5]]
PEER = [str(v) for v in [3, 2, 4, 3, 3, 2, 4, 3, 3, 2]]


def _seed(engine, *, staff: list[str] = STAFF) -> None:  # type: ignore[no-untyped-def]
    seed(engine, [Cell(channel="staff_group", answers={"course_useful": [v]}) for v in staff]
         + [Cell(channel="peer_ambassador", answers={"course_useful": [v]}) for v in PEER])
    close(engine, "2026-01")


def _bias(rows: list[dict]) -> dict[tuple[str, str, str, str], dict]:
    return {(r["breakdown"], r["group"], r["question_id"], r["option"]): r for r in rows
            if str(r["breakdown"]).startswith("bias_")}


URL = "/results/so/download?period=2026-01&format="


class TestChannelComparisonInExports:
    def test_json_carries_the_staff_and_peer_means_and_their_difference(self, engine, client):
        _seed(engine)
        rows = _bias(json.loads(client.get(URL + "json").content)["rows"])
        staff = rows[("bias_channel", "staff", "course_useful", "mean")]
        peer = rows[("bias_channel", "peer", "course_useful", "mean")]
        diff = rows[("bias_channel", "staff_minus_peer", "course_useful", "mean_difference")]
        assert staff["share"] == round(statistics.mean(map(int, STAFF)), 2)
        assert staff["base"] == len(STAFF) and peer["base"] == len(PEER)
        assert peer["share"] == round(statistics.mean(map(int, PEER)), 2)
        assert diff["share"] == pytest.approx(staff["share"] - peer["share"], abs=0.011)
        assert diff["ci_low"] > 0  # staff clearly more positive
        assert not staff["suppressed"] and staff["period"] == "2026-01"

    def test_csv_xlsx_and_json_carry_the_same_bias_numbers(self, engine, client):
        _seed(engine)
        from_json = _bias(json.loads(client.get(URL + "json").content)["rows"])
        from_csv = _bias(list(csv.DictReader(io.StringIO(client.get(URL + "csv").text))))
        book = openpyxl.load_workbook(io.BytesIO(client.get(URL + "xlsx").content),
                                      read_only=True)
        sheet = list(book["bias"].iter_rows(values_only=True))
        from_xlsx = _bias([dict(zip(sheet[0], r, strict=True)) for r in sheet[1:]])
        assert from_json.keys() == from_csv.keys() == from_xlsx.keys()
        for key, row in from_json.items():
            for column in ("share", "ci_low", "ci_high", "base"):
                expected = row[column]
                assert (from_csv[key][column] or None) == (
                    None if expected is None else str(expected)), (key, column)
                assert from_xlsx[key][column] == expected, (key, column)
        # the question sheets hold only the distribution, not the bias rows
        useful = list(book["course_useful"].iter_rows(values_only=True))
        assert all(not str(r[0]).startswith("bias_") for r in useful[1:])

    def test_a_channel_with_fewer_than_k_answers_shows_no_mean_anywhere(self, engine, client):
        _seed(engine, staff=["5", "5", "4", "5"])
        for fmt in ("json", "csv"):
            body = client.get(URL + fmt).content
            rows = (json.loads(body)["rows"] if fmt == "json"
                    else list(csv.DictReader(io.StringIO(body.decode()))))
            found = _bias(rows)
            staff = found[("bias_channel", "staff", "course_useful", "mean")]
            diff = found[("bias_channel", "staff_minus_peer", "course_useful",
                          "mean_difference")]
            for row in (staff, diff):
                assert row["share"] in (None, "") and row["ci_low"] in (None, "")
                assert row["base"] in (None, "")
                assert row["suppressed"] in (True, "true")

    def test_api_and_cli_carry_them_too(self, engine, client, token, cli_env):
        _seed(engine)
        api = client.get("/api/v1/results/so?period=2026-01",
                         headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 200
        from_api = _bias(api.json()["rows"])
        result = CliRunner().invoke(main, ["results", "export", "--intervention", "so",
                                           "--period", "2026-01", "--format", "json"])
        assert result.exit_code == 0, result.output
        from_cli = _bias(json.loads(result.output)["rows"])
        from_page = _bias(json.loads(client.get(URL + "json").content)["rows"])
        assert from_cli == from_page == from_api and from_cli


class TestFrozen:
    def test_new_answers_and_a_flush_change_no_bias_number(self, engine, settings, client):
        _seed(engine)
        before = client.get(URL + "json").content
        assert not _bias(json.loads(before)["rows"])[
            ("bias_channel", "staff_minus_peer", "course_useful", "mean_difference")]["suppressed"]
        _, tokens = create_tokens(engine, settings, 2)
        for token in tokens:
            assert Respondent(client).answer_all(token, {"course_useful": "1"}).status_code \
                == 303
        assert flush(engine, min_rows=1, current_period="2999-01", force=True) == 2
        assert client.get(URL + "json").content == before


class TestCoordinatedWithTheResults:
    def test_a_channel_the_results_hide_is_not_published_by_the_bias_section(self, engine,
                                                                              client):
        """2 poster answers are hidden, so the results hide the smallest other channel too
        (peer, 6 answers). If the bias section still showed the peer mean (6 >= k), then
        total - staff - peer would give the 2 poster respondents' answers. (Poster and peer
        answers share one code: a code only they chose would hide the total as well.)"""
        seed(engine, [Cell(channel="staff_group", answers={"course_useful": [v]})
                      for v in "554545445"]
             + [Cell(channel="peer_ambassador", count=6, answers={"course_useful": ["3"]}),
                Cell(channel="poster_self_service", count=2, answers={"course_useful": ["3"]})])
        close(engine, "2026-01")
        by_channel = json.loads(client.get(
            "/results/so/download?period=2026-01&by=channel&format=json").content)["rows"]
        mean = {r["group"]: r for r in by_channel
                if r["question_id"] == "course_useful" and r["option"] == "mean"}
        assert mean["poster_self_service"]["suppressed"] and mean["peer_ambassador"]["suppressed"]
        assert not mean["total"]["suppressed"] and not mean["staff_group"]["suppressed"]
        bias = _bias(json.loads(client.get(URL + "json").content)["rows"])
        assert bias[("bias_channel", "peer", "course_useful", "mean")]["suppressed"]
        assert bias[("bias_channel", "peer", "course_useful", "mean")]["share"] is None
        assert not bias[("bias_channel", "staff", "course_useful", "mean")]["suppressed"]


class TestMunicipalAnalyst:
    def test_gets_bias_numbers_for_the_own_municipality_only(self, engine, settings):
        _seed(engine)
        for client in logged_in(settings, engine, "a@example.org", ("analyst", "linkoping")):
            region = json.loads(client.get(URL + "json").content)["rows"]
            assert not _bias(region)
            own = json.loads(client.get(
                "/results/so/download?period=2026-01&area=linkoping&format=json").content)
            assert _bias(own["rows"])
