"""Real HTTP servers for tests: uvicorn in a thread of the test process, or the `lyssna serve`
command as a subprocess (several worker processes, as in production).

    with server_in_thread(create_app(settings)) as base_url: ...
    with server_processes({"LYSSNA_DATABASE_URL": url, ...}, workers=2) as server: ...
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parent.parent
STARTUP_SECONDS = 60


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@contextmanager
def server_in_thread(app: object, host: str = "127.0.0.1") -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a background thread; yields the base URL."""
    port = free_port(host)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")  # type: ignore[arg-type]
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class ServerProcess:
    base_url: str
    process: subprocess.Popen
    output: list[str] = field(default_factory=list)  # stderr and stdout lines, as they come

    def worker_pids(self) -> set[str]:
        return {line.rsplit("[", 1)[1].split("]")[0] for line in self.output
                if "Started server process [" in line}


@contextmanager
def server_processes(env: dict[str, str], *, workers: int = 2,
                     host: str = "127.0.0.1") -> Iterator[ServerProcess]:
    """Run `lyssna serve --workers N` with the given LYSSNA_* environment until every worker
    has reported its start-up; stops it (SIGTERM, then SIGKILL) afterwards."""
    port = free_port(host)
    command = [str(Path(sys.executable).parent / "lyssna"), "serve", "--host", host,
               "--port", str(port), "--workers", str(workers)]
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )
    server = ServerProcess(f"http://{host}:{port}", process)
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            server.output.append(line.rstrip("\n"))
            if sum("Application startup complete" in x for x in server.output) >= workers:
                ready.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        if not ready.wait(STARTUP_SECONDS):
            raise RuntimeError("lyssna serve did not start:\n" + "\n".join(server.output))
        yield server
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        reader.join(5)
        if process.stdout is not None:
            process.stdout.close()
