"""Ambassador pages: creating batches, seeing counts, revoking and extending, and who may see
which batch (guessing other municipalities' batch ids gives 404 or 403, never data)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select, update

from app.issuance.plaintext import batch_tokens
from app.keys import Keys
from app.main import create_app
from app.models import AuditEvent, Batch, BatchSecret, Token
from app.storage.flush import flush
from tests.factories import Respondent
from tests.issuance.pdftools import decode, decode_png, render_page
from tests.staff_factories import (  # noqa: F401
    Staff,
    cheap_hashing,
    create_staff,
    intervention_id,
    municipality_id,
)

TODAY = date.today()


@pytest.fixture
def client(client):
    """Staff pages default to Swedish; these tests read the English texts."""
    client.headers["accept-language"] = "en"
    return client


def batch_form(engine, **overrides) -> dict:
    form = {
        "municipality": str(municipality_id(engine, "linkoping")),
        "intervention": str(intervention_id(engine, "so")),
        "channel": "peer_ambassador",
        "count": "3",
        "expires_on": (TODAY + timedelta(days=30)).isoformat(),
        "label": "Tuesday SO class",
        "languages": ["sv", "en"],
    }
    form.update(overrides)
    return form


def batch_count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Batch)).one()


def token_count(engine) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Token)).one()


@pytest.fixture
def ambassador(client, engine) -> Staff:
    create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
    staff = Staff(client)
    staff.login("amb@example.org")
    return staff


def create_batch(staff: Staff, engine, **overrides):
    return staff.post("/staff/batches/new", batch_form(engine, **overrides),
                      form_url="/staff/batches/new")


def tokens_of(engine, settings, batch_id: int) -> list[str]:
    """The batch's codes, as the output pages read them (while downloadable)."""
    with Session(engine) as session:
        return batch_tokens(session, Keys.from_secret(settings.secret_key),
                            session.get(Batch, batch_id), datetime.now(UTC))


def other_client(settings) -> TestClient:
    return TestClient(create_app(settings), follow_redirects=False)


class TestCreatingABatch:
    def test_creates_the_batch_and_offers_its_outputs(self, ambassador, engine, settings):
        response = create_batch(ambassador, engine)
        assert response.status_code == 303, response.text
        with Session(engine) as session:
            batch = session.exec(select(Batch)).one()
            assert (batch.issued, batch.channel, batch.label, batch.languages) == (
                3, "peer_ambassador", "Tuesday SO class", "sv,en")
            assert batch.created_by is not None
        assert response.headers["location"] == f"/staff/batches/{batch.id}?created=1"
        page = ambassador.get(response.headers["location"])
        assert "The batch is created." in page.text
        for output in ["sheet.pdf", "sheet.pdf?per_page=8", "sheet.pdf?fold=1", "cards",
                       "screen/1"]:
            assert f'href="/staff/batches/{batch.id}/{output}"' in page.text
        # the codes work for respondents, and never appear in a staff page
        links = tokens_of(engine, settings, batch.id)
        assert len(links) == 3
        with other_client(settings) as phone:
            assert Respondent(phone).open(links[0]).status_code == 303
        assert not any(t in page.text for t in links)

    def test_form_offers_only_assigned_municipalities(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"),
                     ("ambassador", "motala/sfi"))
        staff = Staff(client)
        staff.login("amb@example.org")
        page = staff.get("/staff/batches/new").text
        assert "Linköping" in page and "Motala" in page
        assert "Norrköping" not in page
        for lang in ["Svenska", "English"]:
            assert f">{lang}</span>" in page

    @pytest.mark.parametrize("overrides,field_message", [
        ({"count": "0"}, "from 1 to 5,000"),
        ({"count": "100000"}, "from 1 to 5,000"),
        ({"count": "-5"}, "from 1 to 5,000"),
        ({"count": "three"}, "from 1 to 5,000"),
        ({"expires_on": (TODAY - timedelta(days=1)).isoformat()}, "in the past"),
        ({"expires_on": "not a date"}, "as a date"),
        ({"municipality": "norrkoping"}, "assigned to you"),
        ({"channel": "door_to_door"}, "how the codes will be handed out"),
        ({"languages": []}, "at least one language"),
        ({"languages": ["sv", "xx"]}, "at least one language"),
        ({"label": "x" * 101}, "at most 100 characters"),
    ])
    def test_bad_input_gets_a_clear_message_and_creates_nothing(
            self, ambassador, engine, overrides, field_message):
        if overrides.get("municipality") == "norrkoping":
            overrides = {"municipality": str(municipality_id(engine, "norrkoping"))}
        response = create_batch(ambassador, engine, **overrides)
        assert response.status_code == 400
        assert "Nothing was created" in response.text
        assert field_message in response.text
        assert 'aria-invalid="true"' in response.text
        assert batch_count(engine) == 0 and token_count(engine) == 0

    def test_unassigned_intervention_is_refused(self, client, engine):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping/sfi"))
        staff = Staff(client)
        staff.login("amb@example.org")
        response = create_batch(staff, engine)  # intervention so
        assert response.status_code == 400
        assert "interventions assigned to you" in response.text
        assert batch_count(engine) == 0

    def test_tampered_form_without_valid_csrf_creates_nothing(self, ambassador, engine):
        response = ambassador.post("/staff/batches/new", batch_form(engine), csrf="tampered")
        assert response.status_code == 400
        assert "This form has expired or was changed" in response.text
        assert batch_count(engine) == 0

    def test_the_maximum_of_5000_is_accepted(self, ambassador, engine):
        response = create_batch(ambassador, engine, count="5000")
        assert response.status_code == 303
        assert token_count(engine) == 5000

    def test_issuing_is_audited(self, ambassador, engine):
        create_batch(ambassador, engine)
        with Session(engine) as session:
            event = session.exec(select(AuditEvent).where(
                AuditEvent.action == "batch_issued")).one()
        assert "linkoping/so, 3 codes" in event.target


class TestCounts:
    def test_answered_changes_only_at_flush(self, ambassador, engine, settings):
        create_batch(ambassador, engine, count="2")
        batch_id = batch_count(engine)
        token = tokens_of(engine, settings, batch_id)[0]

        def counts() -> tuple[str, str, str]:
            html = ambassador.get("/staff/batches").text
            row = re.search(rf'href="/staff/batches/{batch_id}".*?</tr>', html, re.S).group(0)
            return tuple(re.findall(r'<td class="num"[^>]*>(\d+)</td>', row))

        assert counts() == ("2", "0", "0")
        with other_client(settings) as phone:
            Respondent(phone).answer_all(token)
        assert counts() == ("2", "1", "0")  # submitted, waiting in the inbox: not answered yet
        flush(engine, min_rows=1, current_period=TODAY.strftime("%Y-%m"), force=True)
        assert counts() == ("2", "1", "1")


class TestRevokeAndExtend:
    def test_revoke_stops_unused_codes(self, ambassador, engine, settings):
        create_batch(ambassador, engine, count="2")
        with Session(engine) as session:
            batch_id = session.exec(select(Batch.id)).one()
        token = tokens_of(engine, settings, batch_id)[0]
        asked = ambassador.post(f"/staff/batches/{batch_id}/revoke",
                                form_url=f"/staff/batches/{batch_id}")
        assert asked.status_code == 200 and "Revoke this batch?" in asked.text
        assert "Codes not answered yet: 2." in asked.text
        with other_client(settings) as phone:  # asking changed nothing
            assert Respondent(phone).open(token).status_code == 303
        response = ambassador.post(f"/staff/batches/{batch_id}/revoke", {"confirm": "yes"},
                                   form_url=f"/staff/batches/{batch_id}")
        assert response.status_code == 303
        with other_client(settings) as phone:
            assert Respondent(phone).open(token).status_code == 410
        assert "Revoked" in ambassador.get(f"/staff/batches/{batch_id}").text

    def test_extend_moves_the_last_day_later_only(self, ambassador, engine):
        create_batch(ambassador, engine)
        with Session(engine) as session:
            batch = session.exec(select(Batch)).one()
        later = (batch.expires_on + timedelta(days=10)).isoformat()
        ok = ambassador.post(f"/staff/batches/{batch.id}/extend", {"expires_on": later},
                             form_url=f"/staff/batches/{batch.id}")
        assert ok.status_code == 303
        earlier = ambassador.post(f"/staff/batches/{batch.id}/extend",
                                  {"expires_on": TODAY.isoformat()},
                                  form_url=f"/staff/batches/{batch.id}")
        assert earlier.status_code == 400
        assert "later than the current one" in earlier.text
        with Session(engine) as session:
            assert session.get(Batch, batch.id).expires_on.isoformat() == later
            actions = session.exec(select(AuditEvent.action)).all()
        assert "batch_extended" in actions

    def test_revoke_and_extend_need_csrf(self, ambassador, engine):
        create_batch(ambassador, engine)
        with Session(engine) as session:
            batch = session.exec(select(Batch)).one()
        assert ambassador.post(f"/staff/batches/{batch.id}/revoke",
                               csrf="x").status_code == 400
        assert ambassador.post(f"/staff/batches/{batch.id}/extend", {
            "expires_on": (TODAY + timedelta(days=90)).isoformat()}, csrf="x").status_code == 400
        with Session(engine) as session:
            again = session.get(Batch, batch.id)
            assert not again.revoked and again.expires_on == batch.expires_on


class TestWhoSeesWhichBatch:
    """A role matrix over one batch of Linköping, issued by its ambassador."""

    @pytest.fixture
    def linkoping_batch(self, client, engine) -> int:
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        staff = Staff(client)
        staff.login("amb@example.org")
        create_batch(staff, engine, label="Linkoping secret label")
        staff.post("/staff/logout")
        client.cookies.clear()
        with Session(engine) as session:
            return session.exec(select(Batch.id)).one()

    @pytest.mark.parametrize("who,roles,expected", [
        ("amb@example.org", None, 200),  # the issuer
        ("admin@example.org", ["admin"], 200),
        ("other-amb@example.org", [("ambassador", "norrkoping")], 404),
        ("colleague@example.org", [("ambassador", "linkoping")], 404),  # not their batch
        ("ana@example.org", [("analyst", "linkoping")], 403),
        ("reg@example.org", ["regional_analyst"], 403),
        ("none@example.org", [], 403),
    ])
    def test_batch_page_and_actions(self, client, engine, linkoping_batch, who, roles,
                                    expected):
        if roles is not None:
            create_staff(engine, who, *roles)
        staff = Staff(client)
        assert staff.login(who).status_code == 303
        page = staff.get(f"/staff/batches/{linkoping_batch}")
        assert page.status_code == expected
        listing = staff.get("/staff/batches")
        if expected == 200:
            assert "Linkoping secret label" in page.text
            assert "Linkoping secret label" in listing.text
            return
        assert "Linkoping secret label" not in page.text
        assert "Linkoping secret label" not in listing.text
        token = re.search(r'name="csrf" value="([^"]+)"', staff.get("/staff").text).group(1)
        for action, data in [("revoke", {}), ("extend", {
                "expires_on": (TODAY + timedelta(days=300)).isoformat()})]:
            response = staff.post(f"/staff/batches/{linkoping_batch}/{action}", data,
                                  csrf=token)
            assert response.status_code == expected, action
        with Session(engine) as session:
            batch = session.get(Batch, linkoping_batch)
            assert not batch.revoked
            assert batch.expires_on == TODAY + timedelta(days=30)

    def test_guessing_ids_gives_the_same_answer_as_a_missing_batch(self, client, engine,
                                                                   linkoping_batch):
        create_staff(engine, "other@example.org", ("ambassador", "norrkoping"))
        staff = Staff(client)
        staff.login("other@example.org")
        existing = staff.get(f"/staff/batches/{linkoping_batch}")
        missing = staff.get(f"/staff/batches/{linkoping_batch + 1000}")
        assert existing.status_code == missing.status_code == 404
        assert existing.text == missing.text

    def test_an_ambassador_moved_off_a_municipality_no_longer_sees_its_batches(
            self, client, engine, linkoping_batch):
        from sqlmodel import delete

        from app.auth.service import grant_role
        from app.models import StaffRole, StaffUser

        with Session(engine) as session:
            user = session.exec(select(StaffUser).where(
                StaffUser.email == "amb@example.org")).one()
            session.execute(delete(StaffRole).where(StaffRole.user_id == user.id))
            session.expire_all()
            grant_role(session, user=user, role="ambassador",
                       municipality_id=municipality_id(engine, "motala"))
            session.commit()
        staff = Staff(client)
        staff.login("amb@example.org")
        assert staff.get(f"/staff/batches/{linkoping_batch}").status_code == 404
        assert "Linkoping secret label" not in staff.get("/staff/batches").text

    def test_admin_sees_every_batch(self, client, engine, linkoping_batch):
        create_staff(engine, "admin@example.org", "admin")
        staff = Staff(client)
        staff.login("admin@example.org")
        assert "Linkoping secret label" in staff.get("/staff/batches").text


class TestAdminFlagsSmallFullyAnsweredBatches:
    """ANONYMITY.md R21 / T-B10: batches of at most 2k tokens with 100% used are flagged."""

    def test_flag(self, client, engine, settings):
        create_staff(engine, "amb@example.org", ("ambassador", "linkoping"))
        amb = Staff(client)
        amb.login("amb@example.org")
        create_batch(amb, engine, count="2", label="all answered")
        create_batch(amb, engine, count="2", label="half answered")
        create_batch(amb, engine, count=str(2 * settings.min_group_size + 1), label="big batch")
        tokens = tokens_of(engine, settings, 1)
        big_tokens = tokens_of(engine, settings, 3)
        with other_client(settings) as phones:
            for token in tokens + big_tokens:
                phones.cookies.clear()
                Respondent(phones).answer_all(token)
        amb.post("/staff/logout")
        create_staff(engine, "admin@example.org", "admin")
        admin = Staff(client)
        admin.login("admin@example.org")
        flush(engine, min_rows=1, current_period=TODAY.strftime("%Y-%m"), force=True)
        page = admin.get("/admin/batches").text
        assert "all answered" in page and "100% answered" in page
        assert "half answered" not in page
        assert "big batch" not in page  # more than 2k tokens


class TestOutputs:
    """The sheet, single cards and "show on screen", wired to app/issuance/sheets.py."""

    @pytest.fixture
    def batch_id(self, ambassador, engine) -> int:
        create_batch(ambassador, engine, count="14")
        with Session(engine) as session:
            return session.exec(select(Batch.id)).one()

    def urls(self, engine, settings, batch_id) -> list[str]:
        return [f"{settings.base_url}/r/{t}" for t in tokens_of(engine, settings, batch_id)]

    def test_pdf_sheet_downloads_and_its_codes_decode_to_the_batch(
            self, ambassador, engine, settings, batch_id, tools, tmp_path):
        response = ambassador.get(f"/staff/batches/{batch_id}/sheet.pdf")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert "attachment" in response.headers["content-disposition"]
        assert response.content.startswith(b"%PDF")
        decoded = decode(render_page(response.content, 2, tmp_path), tmp_path)
        assert decoded and set(decoded) <= set(self.urls(engine, settings, batch_id))
        with Session(engine) as session:
            assert session.exec(select(AuditEvent).where(
                AuditEvent.action == "batch_sheet_downloaded")).one()

    def test_bigger_and_fold_over_sheets(self, ambassador, batch_id):
        for query in ["per_page=8", "fold=1"]:
            response = ambassador.get(f"/staff/batches/{batch_id}/sheet.pdf?{query}")
            assert response.status_code == 200 and response.content.startswith(b"%PDF")

    def test_single_cards_png_and_svg(self, ambassador, engine, settings, batch_id, tools,
                                      tmp_path):
        listing = ambassador.get(f"/staff/batches/{batch_id}/cards")
        assert listing.status_code == 200
        assert f'href="/staff/batches/{batch_id}/cards/14.png"' in listing.text
        urls = self.urls(engine, settings, batch_id)
        png = ambassador.get(f"/staff/batches/{batch_id}/cards/3.png")
        assert png.headers["content-type"] == "image/png"
        assert decode_png(png.content, tmp_path) == [urls[2]]
        svg = ambassador.get(f"/staff/batches/{batch_id}/cards/3.svg")
        assert svg.headers["content-type"].startswith("image/svg+xml")
        assert f"<title>{urls[2]}</title>" in svg.text
        assert ambassador.get(f"/staff/batches/{batch_id}/cards/15.png").status_code == 404
        assert ambassador.get(f"/staff/batches/{batch_id}/cards/0.svg").status_code == 404

    def test_show_on_screen_one_code_at_a_time(self, ambassador, engine, settings, batch_id):
        urls = self.urls(engine, settings, batch_id)
        first = ambassador.get(f"/staff/batches/{batch_id}/screen/1")
        assert first.status_code == 200
        assert "<svg" in first.text and urls[0] in first.text and urls[1] not in first.text
        assert f'href="/staff/batches/{batch_id}/screen/2"' in first.text
        last = ambassador.get(f"/staff/batches/{batch_id}/screen/14")
        assert urls[13] in last.text
        assert "/screen/15" not in last.text
        assert ambassador.get(f"/staff/batches/{batch_id}/screen/15").status_code == 404

    def test_outputs_are_gone_after_revocation(self, ambassador, batch_id):
        ambassador.post(f"/staff/batches/{batch_id}/revoke", {"confirm": "yes"},
                        form_url=f"/staff/batches/{batch_id}")
        for output in ["sheet.pdf", "cards", "cards/1.png", "cards/1.svg", "screen/1"]:
            assert ambassador.get(f"/staff/batches/{batch_id}/{output}").status_code == 410
        assert "sheet.pdf" not in ambassador.get(f"/staff/batches/{batch_id}").text

    def test_outputs_are_gone_after_the_download_window(self, ambassador, engine, batch_id):
        with Session(engine) as session:
            session.execute(update(BatchSecret).values(
                expires_at=datetime.now(UTC) - timedelta(seconds=1)))
            session.commit()
        assert ambassador.get(f"/staff/batches/{batch_id}/sheet.pdf").status_code == 410
        page = ambassador.get(f"/staff/batches/{batch_id}")
        assert "can no longer be downloaded" in page.text
        assert "sheet.pdf" not in page.text

    @pytest.mark.parametrize("who,roles,expected", [
        ("other@example.org", [("ambassador", "norrkoping")], 404),
        ("colleague@example.org", [("ambassador", "linkoping")], 404),
        ("ana@example.org", [("analyst", "linkoping")], 403),
        ("admin@example.org", ["admin"], 200),
    ])
    def test_only_the_issuer_and_admins_get_the_codes(self, settings, engine, batch_id, who,
                                                      roles, expected):
        create_staff(engine, who, *roles)
        with other_client(settings) as browser:
            staff = Staff(browser)
            staff.login(who)
            for output in ["sheet.pdf", "cards", "cards/1.png", "cards/1.svg", "screen/1"]:
                response = staff.get(f"/staff/batches/{batch_id}/{output}")
                assert response.status_code == expected, output
