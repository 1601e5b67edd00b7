"""R2 and the storage contract: what the migrated schema can hold, on SQLite and PostgreSQL.

The schema is read back from the database the migrations built (not from the models), as an
attacker with a dump would see it.
"""

from __future__ import annotations

import re

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

import app.models  # noqa: F401  (registers every table)
from app.storage.migrate import alembic_config

# The frozen allow-list (ANONYMITY.md §A.6): the lattice cell, the answers, a random id.
CELL = {
    "questionnaire_id",
    "questionnaire_version",
    "municipality_id",
    "intervention_id",
    "channel",
    "language",
    "period",
    "promise_variant",
    "arms",  # randomised split-ballot arms, drawn with `secrets` (issue 6, ANONYMITY.md A.6)
}
ALLOWED = {
    "response": CELL | {"id"},
    "response_inbox": CELL | {"id", "answers"},
    "answer": {"response_id", "question", "value"},
}
FORBIDDEN_NAME = re.compile(
    r"token|batch|(^|_)ip(_|$|addr)|agent|created|updated|time|date|stamp|(^|_)at$|"
    r"device|session|user|hash|seq|serial|order"
)
TIME_TYPE = re.compile(r"date|time|interval|year", re.IGNORECASE)


def columns(engine, table: str) -> list[dict]:
    return inspect(engine).get_columns(table)


class TestAnswerTablesHoldOnlyAllowListedColumns:
    def test_columns_are_exactly_the_allow_list(self, engine):
        found = {table: {c["name"] for c in columns(engine, table)} for table in ALLOWED}
        assert found == ALLOWED

    def test_no_column_is_named_like_a_link(self, engine):
        assert [(table, c["name"]) for table in ALLOWED for c in columns(engine, table)
                if FORBIDDEN_NAME.search(c["name"])] == []

    def test_no_column_has_a_date_or_time_type(self, engine):
        assert [(table, c["name"], str(c["type"])) for table in ALLOWED
                for c in columns(engine, table) if TIME_TYPE.search(str(c["type"]))] == []

    def test_no_column_has_a_server_default(self, engine):
        """A default such as now() or nextval() would add what the columns do not show."""
        assert [(table, c["name"], c["default"]) for table in ALLOWED
                for c in columns(engine, table) if c["default"]] == []

    def test_period_holds_a_month_and_nothing_finer(self, engine):
        period = next(c for c in columns(engine, "response") if c["name"] == "period")
        assert period["type"].length == 7  # YYYY-MM


class TestNoInsertionCounter:
    def test_primary_keys_are_not_integers(self, engine):
        for table in ALLOWED:
            pk = inspect(engine).get_pk_constraint(table)["constrained_columns"]
            types = {c["name"]: str(c["type"]).upper() for c in columns(engine, table)}
            assert pk and all("INT" not in types[name] for name in pk), table

    def test_no_autoincrement_identity_or_sequence(self, engine):
        for table in ALLOWED:
            self._assert_no_counter(engine, table)

    def _assert_no_counter(self, engine, table: str) -> None:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                found = conn.execute(text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = :t "
                    "AND (is_identity = 'YES' OR column_default IS NOT NULL "
                    "OR pg_get_serial_sequence(quote_ident(:t), column_name) IS NOT NULL)"
                ), {"t": table}).all()
                owned = conn.execute(text(
                    "SELECT s.relname FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
                    "JOIN pg_class t ON d.refobjid = t.oid "
                    "WHERE s.relkind = 'S' AND t.relname = :t"
                ), {"t": table}).all()
                assert found == [] and owned == []
            else:
                sql = conn.execute(text(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"
                ), {"t": table}).scalar_one()
                assert "AUTOINCREMENT" not in sql.upper()

    @pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
    def test_sqlite_tables_are_without_rowid(self, engine):
        for table in [*ALLOWED, "draft"]:
            with engine.connect() as conn:
                sql = conn.execute(text(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"
                ), {"t": table}).scalar_one()
                assert re.search(r"\)\s*WITHOUT\s+ROWID\s*$", sql, re.IGNORECASE), sql
                with pytest.raises(Exception, match="no such column"):
                    conn.execute(text(f"SELECT rowid FROM {table}"))


class TestMigrationsMatchTheModels:
    def _differences(self, engine) -> list:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "render_as_batch": True}
            )
            return compare_metadata(context, SQLModel.metadata)

    def test_migrated_schema_equals_the_models(self, engine):
        assert self._differences(engine) == []

    def test_downgrade_to_base_and_upgrade_to_head_round_trips(self, engine, db_url):
        config = alembic_config(db_url)
        command.downgrade(config, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        command.upgrade(config, "head")
        assert self._differences(engine) == []
        assert {"response", "answer", "response_inbox", "token", "draft"} <= set(
            inspect(engine).get_table_names()
        )
