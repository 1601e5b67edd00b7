"""Benchmark: the ambassador's path through HTTP for a 5,000-code batch: create it with the
form (POST), open the batch page, download the PDF sheet. Real app, real SQLite database
(migrated into a temporary directory), TestClient transport.

    .venv/bin/python bench/staff_pages.py [--count 5000]

Prints wall and CPU seconds per step and the load average (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.auth.service import create_user, grant_role, set_password  # noqa: E402
from app.demo import seed_demo_base  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Intervention, Municipality  # noqa: E402
from app.questionnaires.loader import Registry  # noqa: E402
from app.settings import ROOT, Settings  # noqa: E402
from app.storage.engine import make_engine  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<28} wall {time.perf_counter() - wall:6.2f} s   "
          f"cpu {time.process_time() - cpu:6.2f} s")
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=5000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            seed_demo_base(session, Registry.from_directory(ROOT / "questionnaires"))
            user = create_user(session, email="amb@bench.example", now=_now())
            muni = session.exec(select(Municipality).where(Municipality.slug == "linkoping")).one()
            grant_role(session, user=user, role="ambassador", municipality_id=muni.id)
            set_password(session, user=user, password="benchmark passphrase")
            so = session.exec(select(Intervention).where(Intervention.slug == "so")).one()
            session.commit()
        settings = Settings(database_url=url, secret_key="bench-secret-" + "x" * 32,
                            var_dir=Path(tmp) / "var", flush_check_seconds=3600)
        with TestClient(create_app(settings), follow_redirects=False,
                        headers={"accept-language": "en"}) as client:
            page = client.get("/staff/login")
            client.post("/staff/login", data={"email": "amb@bench.example",
                                              "password": "benchmark passphrase",
                                              "csrf": CSRF.search(page.text).group(1)})
            form = client.get("/staff/batches/new")
            created = timed(f"create batch ({args.count})", lambda: client.post(
                "/staff/batches/new", data={
                    "municipality": str(muni.id), "intervention": str(so.id),
                    "channel": "peer_ambassador", "count": str(args.count),
                    "expires_on": (date.today() + timedelta(days=30)).isoformat(),
                    "languages": ["sv", "en", "ar"], "csrf": CSRF.search(form.text).group(1)}))
            assert created.status_code == 303, created.text[:500]
            where = created.headers["location"].split("?")[0]
            timed("batch page", lambda: client.get(where))
            pdf = timed("PDF sheet (12 per page)", lambda: client.get(f"{where}/sheet.pdf"))
            assert pdf.status_code == 200
            print(f"PDF size {len(pdf.content) / 1e6:.1f} MB; load average "
                  f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def _now():  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    return datetime.now(UTC)


if __name__ == "__main__":
    main()
