"""Results page vs the plain SQL GROUP BY that counts the same answers (the floor).

Seeds N demo responses (`lyssna demo --responses N` path) into a fresh SQLite file and a fresh
PostgreSQL database, then times, in one run on each engine:
  floor  SELECT municipality, question, value, count(*) FROM answer JOIN response ... for the
         answers the page shows (intervention `so`, the latest closed quarter), GROUP BY
  cold   GET /results/so?by=municipality&period=<quarter> through the app (TestClient, logged
         in as a regional analyst), with the in-process results cache emptied first
  warm   the same GET again (frozen periods never change, so the computed table is cached)
  computed  cold, but without the suppression patterns stored at close: the fixpoint and its
         LP audit run for every period of the year (what a page costs after k is changed,
         until the next start-up stores the patterns for the new k)
Medians of --repeat runs; ratios are page / floor. Goal (PERFORMANCE.md): <= 1.5x and <= 1 s.

    .venv/bin/python bench/results.py --responses 1000000

Seeding a million responses takes 10-15 minutes per engine. With --keep DIR the databases are
kept (DIR/bench-N.db and PostgreSQL database lyssna_bench_N) and reused by the next run with
the same N, which then only migrates them and measures.
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from unittest import mock

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select, text
from sqlmodel import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.auth import passwords  # noqa: E402
from app.auth.service import create_user, grant_role, set_password  # noqa: E402
from app.demo import seed_demo_base  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import Intervention  # noqa: E402
from app.questionnaires.loader import Registry  # noqa: E402
from app.reports import periods, queries  # noqa: E402
from app.reports.demo import seed_responses  # noqa: E402
from app.settings import ROOT, Settings  # noqa: E402
from app.storage.engine import make_engine  # noqa: E402
from app.storage.migrate import upgrade  # noqa: E402

PG_ADMIN = os.environ.get("LYSSNA_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PASSWORD = "bench password that is long enough"
K = Settings.model_fields["min_group_size"].default  # what the served app uses
FLOOR_SQL = (
    "SELECT r.municipality_id, a.question, a.value, count(*) FROM answer a "
    "JOIN response r ON r.id = a.response_id WHERE r.intervention_id = :i "
    "AND r.period IN ({months}) GROUP BY r.municipality_id, a.question, a.value"
)


def prepare(url: str, n: int) -> tuple[float | None, str]:
    """Seed a fresh database (or reuse a kept one: seeded = None); the quarter to measure."""
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        mark = conn.execute(text("SELECT max(period) FROM closed_period")).scalar_one()
    if mark is not None:
        engine.dispose()
        return None, periods.latest_closed_quarter(mark)
    registry = Registry.from_directory(ROOT / "questionnaires")
    with Session(engine) as session:
        seed_demo_base(session, registry)
        session.commit()
    started = time.perf_counter()
    seed_responses(engine, registry=registry, count=n, today=date.today(), k=K)
    seeded = time.perf_counter() - started
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
    with Session(engine) as session:
        user = create_user(session, email="bench@example.org", now=datetime.now(UTC))
        grant_role(session, user=user, role="regional_analyst")
        set_password(session, user=user, password=PASSWORD)
        session.commit()
        mark = session.execute(text("SELECT max(period) FROM closed_period")).scalar_one()
    engine.dispose()
    return seeded, periods.latest_closed_quarter(mark)


def median_time(fn, repeat: int) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(url: str, quarter: str, repeat: int) -> dict[str, float]:
    engine = make_engine(url)
    with Session(engine) as session:
        so = session.execute(select(Intervention.id).where(Intervention.slug == "so")).scalar_one()
    months = periods.months_of(quarter)
    sql = text(FLOOR_SQL.format(months=", ".join(f"'{m}'" for m in months)))

    def floor() -> None:
        with engine.connect() as conn:
            rows = conn.execute(sql, {"i": so}).all()
            assert rows

    settings = Settings(database_url=url, secret_key="b" * 48, var_dir=Path(tempfile.mkdtemp()),
                        flush_check_seconds=86400)
    app = create_app(settings)
    path = f"/results/so?by=municipality&period={quarter}"
    with TestClient(app) as client:
        page = client.get("/staff/login")
        csrf = page.text.split('name="csrf" value="')[1].split('"')[0]
        client.post("/staff/login", data={"email": "bench@example.org", "password": PASSWORD,
                                          "csrf": csrf})
        first = client.get(path)
        assert first.status_code == 200, first.text[:300]

        def cold() -> None:
            app.state.results_cache.clear()
            assert client.get(path).status_code == 200

        def warm() -> None:
            assert client.get(path).status_code == 200

        def computed() -> None:
            app.state.results_cache.clear()
            with mock.patch.object(queries, "patterns", lambda *args, **kwargs: {}):
                assert client.get(path).status_code == 200

        floor()  # warm the database cache the same way for every measurement
        result = {"floor": median_time(floor, repeat), "cold": median_time(cold, repeat),
                  "warm": median_time(warm, repeat), "computed": median_time(computed, repeat),
                  "bytes": len(first.content)}
    engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--keep", type=Path, help="keep the seeded databases here; reuse them")
    args = parser.parse_args()
    passwords.HASHER = PasswordHasher.from_parameters(CHEAPEST)  # type: ignore[attr-defined]
    print(f"results page vs GROUP BY floor, {args.responses:,} demo responses, "
          f"median of {args.repeat}")
    for name in args.engines.split(","):
        cleanup = None
        if name == "sqlite":
            folder = args.keep or Path(tempfile.mkdtemp())
            folder.mkdir(parents=True, exist_ok=True)
            url = f"sqlite:///{folder}/bench-{args.responses}.db"
        else:
            keep = args.keep is not None
            db = f"lyssna_bench_{args.responses}" if keep else \
                f"lyssna_bench_{secrets.token_hex(3)}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"),
                                      {"d": db}).first()
                if not exists:
                    conn.execute(text(f'CREATE DATABASE "{db}"'))
            url = PG_ADMIN.rsplit("/", 1)[0] + f"/{db}"
            cleanup = None if keep else (admin, db)
        seeded, quarter = prepare(url, args.responses)
        r = measure(url, quarter, args.repeat)
        seed = "reused " if seeded is None else f"{seeded:7.1f} s"
        print(f"{name:10s} seed {seed} | page {quarter} by municipality: "
              f"floor {r['floor'] * 1000:7.1f} ms | cold {r['cold'] * 1000:7.1f} ms "
              f"({r['cold'] / r['floor']:.2f}x) | warm {r['warm'] * 1000:7.1f} ms "
              f"({r['warm'] / r['floor']:.2f}x) | computed {r['computed'] * 1000:7.1f} ms "
              f"({r['computed'] / r['floor']:.2f}x) | {r['bytes']:,} bytes")
        if cleanup:
            admin, db = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{db}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
