"""Bytes on the wire for the first questionnaire page in each language (gzip, as served).

    .venv/bin/python bench/i18n_pages.py

Uses the multilingual test fixture (sv, en, ar, ps, ti, ckb) and the shipped battery (sv, en)
on a throwaway SQLite database. Counts the compressed bodies of every request the page makes:
the HTML, app.css and, for Tigrinya only, ethiopic.css and the subset font (which a phone with
Noto Sans Ethiopic never downloads: the stylesheet tries local() first). Budget: 14,600 bytes.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.demo import seed_demo_base  # noqa: E402
from app.main import create_app  # noqa: E402
from app.questionnaires.loader import Registry  # noqa: E402
from app.settings import Settings  # noqa: E402
from app.storage.engine import make_engine  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402
from tests.factories import Respondent, create_tokens  # noqa: E402
from tests.i18n.helpers import FIXTURE_INTERVENTION, install_fixture, questionnaire_dir  # noqa: E402

BUDGET = 14_600


def wire_size(client: TestClient, url: str) -> int:
    response = client.get(url, headers={"accept-encoding": "gzip"})
    assert response.status_code == 200, (url, response.status_code)
    return int(response.headers.get("content-length") or len(response.content))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        url = f"sqlite:///{tmp_path / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine) as session:
            seed_demo_base(session, Registry.from_directory(ROOT / "questionnaires"))
            session.commit()
        install_fixture(engine)
        settings = Settings(database_url=url, secret_key="x" * 40, var_dir=tmp_path / "var",
                            questionnaire_dir=questionnaire_dir(tmp_path),
                            flush_check_seconds=3600)
        cases = [(FIXTURE_INTERVENTION, lang) for lang in ("sv", "en", "ar", "ps", "ti", "ckb")]
        cases += [("so", "sv"), ("so", "en")]
        print(f"{'questionnaire':<22}{'lang':<6}{'requests':>9}{'bytes':>8}  budget {BUDGET}")
        with TestClient(create_app(settings), follow_redirects=False) as client:
            for intervention, lang in cases:
                _, [token] = create_tokens(engine, settings, intervention=intervention)
                client.cookies.clear()
                Respondent(client).start(token, lang)
                page = client.get("/s/page/1", headers={"accept-encoding": "gzip"})
                total = int(page.headers["content-length"])
                requests = 1
                for href in re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text):
                    total += wire_size(client, href)
                    requests += 1
                    if "ethiopic" in href:
                        total += wire_size(client, "/static/fonts/noto-sans-ethiopic-subset.woff2")
                        requests += 1
                name = "multilingual-fixture" if intervention == FIXTURE_INTERVENTION \
                    else "regional-followup"
                flag = "" if total <= BUDGET else "  OVER"
                print(f"{name:<22}{lang:<6}{requests:>9}{total:>8}{flag}")
        engine.dispose()


if __name__ == "__main__":
    main()
