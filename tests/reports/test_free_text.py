"""R20: free-text answers are never shown or exported by default; when the region switches the
reviewed export on, an admin reads the texts of a region-level group of at least 10, in random
order and without any other field, and downloads only the texts they kept."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.reports.conftest import logged_in
from tests.reports.helpers import Cell, close, seed
from tests.staff_factories import Staff

PAGE = "/results/so/free-text?period=2026-01&question=anything_else"


@pytest.fixture
def settings(settings):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"free_text_export": True})


def texts(n: int, month: str = "2026-01") -> list[Cell]:
    return [Cell(month=month, answers={"course_useful": ["4"],
                                       "anything_else": [f"text number {i}"]})
            for i in range(n)]


def admin(settings, engine):  # type: ignore[no-untyped-def]
    return logged_in(settings, engine, "admin@example.org", "admin")


def shown(page: str) -> list[str]:
    return re.findall(r'<span dir="auto">([^<]*)</span>', page)


class TestReview:
    def test_off_by_default(self, engine, settings):
        seed(engine, texts(12))
        close(engine, "2026-01")
        off = settings.model_copy(update={"free_text_export": False})
        for client in admin(off, engine):
            page = client.get(PAGE)
            assert page.status_code == 404 and "text number" not in page.text
            assert "Written answers" not in client.get("/results/so?period=2026-01").text

    def test_nine_texts_show_none(self, engine, settings):
        seed(engine, texts(9))
        close(engine, "2026-01")
        for client in admin(settings, engine):
            page = client.get(PAGE)
            assert page.status_code == 200
            assert "text number" not in page.text and "Fewer than 10" in page.text

    def test_ten_texts_in_a_new_random_order_each_time_with_nothing_else(self, engine,
                                                                            settings):
        seed(engine, texts(10))
        close(engine, "2026-01")
        for client in admin(settings, engine):
            assert "/results/so/free-text?period=2026-01" in client.get(
                "/results/so?period=2026-01").text
            first, second = shown(client.get(PAGE).text), shown(client.get(PAGE).text)
            assert sorted(first) == sorted(second) == sorted(f"text number {i}"
                                                             for i in range(10))
            orders = {tuple(first), tuple(second)} | {
                tuple(shown(client.get(PAGE).text)) for _ in range(3)}
            assert len(orders) > 1  # 10! orders: five equal draws would be a broken shuffle
            assert "course_useful" not in client.get(PAGE).text

    def test_only_admins(self, engine, settings):
        seed(engine, texts(10))
        close(engine, "2026-01")
        for client in logged_in(settings, engine, "r@example.org", "regional_analyst"):
            assert client.get(PAGE).status_code == 403

    def test_open_period_is_refused(self, engine, settings):
        seed(engine, texts(10, month="2026-02"))
        close(engine, "2026-01")
        for client in admin(settings, engine):
            assert client.get(PAGE.replace("2026-01", "2026-02")).status_code == 404


class TestDownload:
    def test_holds_only_the_kept_texts_shuffled_and_no_ids(self, engine, settings):
        seed(engine, texts(12))
        close(engine, "2026-01")
        for client in admin(settings, engine):
            page = client.get(PAGE).text
            order = shown(page)
            signed = re.search(r'name="shown" value="([^"]+)"', page).group(1)
            keep = [str(i) for i, t in enumerate(order) if t not in ("text number 3",
                                                                     "text number 7")]
            response = Staff(client).post(
                "/results/so/free-text", {"period": "2026-01", "question": "anything_else",
                                          "shown": signed, "keep": keep}, form_url=PAGE)
            assert response.status_code == 200
            rows = list(csv.DictReader(io.StringIO(response.text)))
            assert list(rows[0]) == ["question_id", "period", "text"]
            assert sorted(r["text"] for r in rows) == sorted(
                t for t in order if t not in ("text number 3", "text number 7"))
            assert len(rows) == 10

    def test_a_tampered_review_is_refused(self, engine, settings):
        seed(engine, texts(10))
        close(engine, "2026-01")
        for client in admin(settings, engine):
            client.get(PAGE)
            response = Staff(client).post(
                "/results/so/free-text", {"period": "2026-01", "question": "anything_else",
                                          "shown": "forged", "keep": ["0"]}, form_url=PAGE)
            assert response.status_code == 400 and "text number" not in response.text
