"""The real app over real HTTP, for tests and benchmarks that an in-process test client cannot
serve: a browser, the log files an operator reads, simultaneous requests to several worker
processes, wrk. There is one way to start it: the `lyssna serve` command in a subprocess (its
uvicorn, its log configuration, `workers` processes, as in production).

    database = prepare_database(tmp_path / "lyssna.db")  # or a test's sqlite_url, pg_url
    with live_server(database, tmp_path / "logs", workers=2) as server:
        server.url("/accessibility"), server.tokens(3), server.logs(), server.worker_pids()

The port: `listening_socket()` binds and listens here, and `lyssna serve --fd` serves on that very
socket, so no other process can take the port between choosing it and binding it.

The logs: stdout (uvicorn's access log) and stderr (everything else) go to server.out.log and
server.err.log in `log_dir`, so a test reads exactly what an operator's log would hold.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session

from app.settings import ROOT, Settings
from app.storage.engine import make_engine

TEST_SECRET = "test-secret-key-that-is-long-enough-000000"
LYSSNA = Path(sys.executable).parent / "lyssna"
STARTUP_SECONDS = 60  # a loaded 2-core CI machine starting two workers


def listening_socket(host: str = "127.0.0.1") -> socket.socket:
    """A TCP socket listening on a free port of `host`, ready to hand to a server by its file
    descriptor (uvicorn's --fd) before anything else can take the port."""
    sock = socket.socket()
    sock.bind((host, 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def prepare_database(path: Path) -> str:
    """A migrated and seeded SQLite database, built the way `make run` builds one."""
    from app.demo import seed_demo_base
    from app.questionnaires.loader import Registry
    from app.storage.migrate import upgrade

    url = f"sqlite:///{path}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as session:
        seed_demo_base(session, Registry.from_directory(ROOT / "questionnaires"))
        session.commit()
    engine.dispose()
    return url


@dataclass
class LiveServer:
    base_url: str
    settings: Settings  # what the server runs with (its database, its secret key)
    engine: Engine  # on the server's database
    process: subprocess.Popen[bytes]
    log_files: list[Path]  # access log (stdout), then everything else (stderr)

    def url(self, path: str) -> str:
        return self.base_url + path

    def tokens(self, count: int = 1, **kwargs: object) -> list[str]:
        """Issue tokens in the server's database with the server's key."""
        from tests.factories import create_tokens

        return create_tokens(self.engine, self.settings, count, **kwargs)[1]  # type: ignore[arg-type]

    def logs(self) -> str:
        """Everything the server has logged so far (all of it once `stop()` has returned)."""
        return "\n".join(p.read_text(errors="replace") for p in self.log_files if p.exists())

    def worker_pids(self) -> set[str]:
        """The worker processes that have started, by the pid uvicorn logs for each."""
        return {line.rsplit("[", 1)[1].split("]")[0] for line in self.logs().splitlines()
                if "Started server process [" in line}

    def stop(self) -> None:
        """SIGTERM (the server finishes its requests and closes its logs), SIGKILL after 15 s."""
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _wait_for_workers(server: LiveServer, workers: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while server.logs().count("Application startup complete") < workers:
        if server.process.poll() is not None:
            raise RuntimeError(f"lyssna serve exited with {server.process.returncode}:\n"
                               + server.logs())
        if time.monotonic() > deadline:
            raise RuntimeError(f"lyssna serve did not start {workers} worker(s) within "
                               f"{STARTUP_SECONDS} s:\n" + server.logs())
        time.sleep(0.05)


@contextmanager
def live_server(database_url: str, log_dir: Path, *, workers: int = 1,
                extra_env: dict[str, str] | None = None) -> Iterator[LiveServer]:
    """Run `lyssna serve --workers N` against `database_url` (LYSSNA_* settings in `extra_env`
    win) until every worker has started, yield it, and stop it when the block ends."""
    log_dir.mkdir(parents=True, exist_ok=True)
    var_dir = log_dir / "var"
    out, err = log_dir / "server.out.log", log_dir / "server.err.log"
    with listening_socket() as sock, out.open("wb") as stdout, err.open("wb") as stderr:
        base_url = "http://{}:{}".format(*sock.getsockname())
        settings = Settings(database_url=database_url, secret_key=TEST_SECRET,
                            base_url=base_url, var_dir=var_dir, environment="development")
        env = {
            **os.environ,
            "LYSSNA_DATABASE_URL": database_url,
            "LYSSNA_SECRET_KEY": TEST_SECRET,
            "LYSSNA_BASE_URL": base_url,
            "LYSSNA_VAR_DIR": str(var_dir),
            "LYSSNA_ENVIRONMENT": "development",
            **(extra_env or {}),
        }
        process = subprocess.Popen(
            [str(LYSSNA), "serve", "--fd", str(sock.fileno()), "--workers", str(workers)],
            env=env, stdout=stdout, stderr=stderr, cwd=ROOT, pass_fds=[sock.fileno()],
        )
    # The server holds the socket and the log files now; this process keeps no copy of them.
    server = LiveServer(base_url, settings, make_engine(database_url), process, [out, err])
    try:
        _wait_for_workers(server, workers)
        yield server
    finally:
        server.stop()
        server.engine.dispose()
