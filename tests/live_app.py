"""The real app in a subprocess (`lyssna serve`) on a free loopback port, for tests and benchmarks
that need a real HTTP server: browsers, the access log, wrk.

stdout (uvicorn's access log) and stderr (everything else) go to files in `log_dir`, so a test can
read exactly what an operator's log would hold.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.settings import ROOT, Settings
from app.storage.engine import make_engine

TEST_SECRET = "test-secret-key-that-is-long-enough-000000"
LYSSNA = Path(sys.executable).parent / "lyssna"


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def prepare_database(path: Path) -> str:
    """A migrated and seeded SQLite database, built the way `make run` builds one."""
    from app.demo import seed_region
    from app.questionnaires.loader import Registry, publish
    from app.storage.migrate import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_region(session)
        for questionnaire in Registry.from_directory(ROOT / "questionnaires").versions.values():
            publish(session, questionnaire)
        session.commit()
    engine.dispose()
    return url


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    engine: Engine
    log_dir: Path
    process: subprocess.Popen[bytes]
    log_files: list[Path] = field(default_factory=list)

    def tokens(self, count: int = 1, **kwargs: object) -> list[str]:
        """Issue tokens in the server's database with the server's key."""
        from tests.factories import create_tokens

        return create_tokens(self.engine, self.settings, count, **kwargs)[1]  # type: ignore[arg-type]

    def url(self, path: str) -> str:
        return self.base_url + path

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace") for p in self.log_files if p.exists())


def _wait_until_up(base_url: str, process: subprocess.Popen[bytes], log_dir: Path,
                   timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"server exited with {process.returncode}:\n"
                + (log_dir / "server.err.log").read_text(errors="replace")
            )
        try:
            with urllib.request.urlopen(base_url + "/static/app.css", timeout=2):
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer on {base_url} within {timeout} s")


@contextmanager
def live_server(database_url: str, log_dir: Path, *, workers: int = 1,
                extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Run `lyssna serve` against `database_url` until the block ends."""
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    var_dir = log_dir / "var"
    env = {
        **os.environ,
        "LYSSNA_DATABASE_URL": database_url,
        "LYSSNA_SECRET_KEY": TEST_SECRET,
        "LYSSNA_BASE_URL": base_url,
        "LYSSNA_VAR_DIR": str(var_dir),
        "LYSSNA_ENVIRONMENT": "development",
        **(extra_env or {}),
    }
    settings = Settings(database_url=database_url, secret_key=TEST_SECRET, base_url=base_url,
                        var_dir=var_dir, environment="development")
    out, err = log_dir / "server.out.log", log_dir / "server.err.log"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        process = subprocess.Popen(
            [str(LYSSNA), "serve", "--host", "127.0.0.1", "--port", str(port),
             "--workers", str(workers)],
            env=env, stdout=stdout, stderr=stderr, cwd=ROOT,
        )
    engine = make_engine(database_url)
    try:
        _wait_until_up(base_url, process, log_dir)
        yield LiveServer(base_url, settings, engine, log_dir, process, [out, err])
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        engine.dispose()
