"""R15: only app/reports/queries.py reads `response` and `answer`.

The flush (app/storage/flush.py) and the demo loader (app/reports/demo.py) write those tables
but never select from them; the models define them.
"""

from __future__ import annotations

import ast
import re

from app.settings import ROOT

READER = "app/reports/queries.py"
WRITERS = {"app/storage/flush.py", "app/reports/demo.py"}
MODELS = "app/models/"
SQL_READ = re.compile(r"\b(FROM|JOIN)\s+(response|answer)\b(?!_)", re.IGNORECASE)


def _modules() -> list[tuple[str, str]]:
    return [(str(p.relative_to(ROOT)), p.read_text()) for p in sorted((ROOT / "app").rglob("*.py"))]


def _imports_tables(source: str) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("app.models",
                                                               "app.models.response"):
            names |= {a.name for a in node.names if a.name in ("Response", "Answer")}
    return names


class TestOnlyQueriesReadsAnswers:
    def test_no_other_module_imports_the_answer_tables(self):
        offenders = [path for path, source in _modules()
                     if _imports_tables(source) and path != READER
                     and path not in WRITERS and not path.startswith(MODELS)]
        assert offenders == []

    def test_no_other_module_selects_from_them_in_sql(self):
        offenders = [path for path, source in _modules()
                     if SQL_READ.search(source) and path != READER]
        assert offenders == []

    def test_writers_only_insert(self):
        for path, source in _modules():
            if path in WRITERS:
                assert not re.search(r"select\([^)]*\b(Response|Answer)\b", source), path

    def test_the_checks_can_fail(self):
        assert SQL_READ.search("SELECT * FROM response r JOIN answer a")
        assert not SQL_READ.search("DELETE FROM response_inbox")
        assert _imports_tables("from app.models import Answer, Batch") == {"Answer"}
