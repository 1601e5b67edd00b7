"""The respondent path's figures, measured in one run on this machine (`make bench`).

(a) bytes on the wire (gzip) of every respondent page and the stylesheet, against the
    14,600-byte budget of PERFORMANCE.md;
(b) requests/s with wrk for a question page GET (with a draft cookie), a page save POST and full
    submits (each with a fresh token), against `lyssna serve --workers 1` and `--workers 2` on
    SQLite;
(c) the same wrk run against a bare Starlette "hello" (bench/bare_app.py) under the same uvicorn
    and workers, as the ceiling; the ratios are measured side by side.

Loopback only, every wrk run bounded (BENCH_SECONDS, default 5 s).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx2  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.keys import Keys  # noqa: E402
from app.questionnaires.loader import Registry  # noqa: E402
from app.respondent.service import Clock, RespondentService  # noqa: E402
from tests.live_server import (  # noqa: E402
    LiveServer,
    listening_socket,
    live_server,
    prepare_database,
)

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
THREADS, CONNECTIONS = 2, 32
SUBMIT_TOKENS = 5000
BUDGET = 14_600
LUA = ROOT / "bench" / "lua"
ANSWERS = {"nav": "next", "course_understood": "4", "course_useful": "3", "swedish_days": "3",
           "intern_done": "yes", "wellbeing": "4"}


# -- (a) bytes ---------------------------------------------------------------------------------


def wire(client: httpx2.Client, path: str) -> tuple[int, int]:
    """Body bytes as sent (gzip) and the size of the status line and headers."""
    with client.stream("GET", path, headers={"accept-encoding": "gzip"}) as response:
        assert response.status_code == 200, (path, response.status_code)
        body = sum(len(chunk) for chunk in response.iter_raw())
        head = len(f"HTTP/1.1 {response.status_code} {response.reason_phrase}\r\n") + sum(
            len(k) + len(v) + 4 for k, v in response.headers.raw) + 2
    return body, head


def page_bytes(server: LiveServer, language: str) -> tuple[dict[str, tuple[int, int]], str]:
    [token] = server.tokens(1)
    sizes: dict[str, tuple[int, int]] = {}
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        css = re.search(r'href="(/static/app\.css\?v=\w+)"', client.get("/r").text).group(1)
        client.get(f"/r/{token}")
        sizes["language"] = wire(client, "/s/language")
        client.post("/s/language", data={"nav": f"lang:{language}"})
        sizes["welcome"] = wire(client, "/s/welcome")
        location = client.post("/s/welcome", data={"nav": "next"}).headers["location"]
        while location.startswith("/s/page/"):
            sizes[location.removeprefix("/s/")] = wire(client, location)
            location = client.post(location, data=ANSWERS).headers["location"]
        sizes["review"] = wire(client, "/s/review")
        client.post("/s/review", data={"nav": "submit"})
        sizes["thanks"] = wire(client, "/s/thanks")
        sizes["app.css"] = wire(client, css)
    return sizes, css


def print_bytes(server: LiveServer) -> None:
    print("(a) bytes on the wire, gzip: body (+ status line and headers)")
    per_language = {lang: page_bytes(server, lang)[0] for lang in ("sv", "en")}
    pages = list(per_language["sv"])
    print(f"  {'page':<12}" + "".join(f"{lang:>16}" for lang in per_language))
    for page in pages:
        cells = "".join(f"{b:>9,} (+{h:>3})" for b, h in (per_language[lang][page]
                                                          for lang in per_language))
        print(f"  {page:<12}{cells}")
    heaviest = max(((lang, page, sizes[page][0]) for lang, sizes in per_language.items()
                    for page in sizes if page != "app.css"), key=lambda t: t[2])
    css = per_language["sv"]["app.css"][0]
    total = heaviest[2] + css
    print(f"  heaviest page: {heaviest[1]} ({heaviest[0]}) {heaviest[2]:,} + app.css {css:,}"
          f" = {total:,} bytes of {BUDGET:,} budget ({total / BUDGET:.0%}); "
          f"{'within' if total <= BUDGET else 'OVER'} budget")


# -- (b), (c) requests per second --------------------------------------------------------------


def wrk(url: str, *extra: str, env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run(
        ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency", *extra, url],
        capture_output=True, text=True, check=True, env={**os.environ, **(env or {})},
    ).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    result["non2xx3xx"] = int(errors.group(1)) if errors else 0
    socket_errors = re.search(r"Socket errors: (.*)", out)
    result["socket_errors"] = socket_errors.group(1) if socket_errors else ""
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if p99:
        scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
        result["p99_ms"] = float(p99.group(1)) * scale
    custom = re.search(r"LYSSNA good=(\d+) bad=(\d+) duration_us=(\d+)", out)
    if custom:
        good, bad, duration = (int(g) for g in custom.groups())
        result.update(good=good, bad=bad, good_rps=good / (duration / 1e6))
    return result


def bare_server(workers: int, log_dir: Path):  # type: ignore[no-untyped-def]
    log = (log_dir / f"bare-{workers}.log").open("wb")
    with listening_socket() as sock:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "uvicorn"), "bench.bare_app:app", "--fd",
             str(sock.fileno()), "--workers", str(workers), "--no-access-log",
             "--log-level", "warning"],
            cwd=ROOT, stdout=log, stderr=log, pass_fds=[sock.fileno()],
        )
        url = "http://{}:{}/".format(*sock.getsockname())
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return process, url


def stop(process: subprocess.Popen) -> None:  # type: ignore[type-arg]
    process.terminate()
    process.wait(timeout=15)


def cookie_for(server: LiveServer) -> str:
    """A token walked to page 1 over HTTP: its two cookies."""
    [token] = server.tokens(1)
    with httpx2.Client(base_url=server.base_url, timeout=30) as client:
        client.get(f"/r/{token}")
        client.post("/s/language", data={"nav": "lang:sv"})
        assert client.post("/s/welcome", data={"nav": "next"}).headers["location"] == "/s/page/1"
        assert client.get("/s/page/1").status_code == 200  # templates compiled before timing
        return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def complete_drafts(server: LiveServer, count: int, path: Path) -> None:
    """`count` fresh tokens with a finished draft each, made by the same service the routes
    use (faster than walking each over HTTP); one cookie header per line."""
    settings = server.settings
    service = RespondentService(
        keys=Keys.from_secret(settings.secret_key),
        registry=Registry.from_directory(settings.questionnaire_dir),
        clock=Clock(ZoneInfo(settings.timezone)), draft_days=settings.draft_days,
    )
    answers = {k: [v] for k, v in ANSWERS.items() if k != "nav"}
    lines = []
    with Session(server.engine) as session:
        for token in server.tokens(count):
            device = secrets.token_urlsafe(24)
            service.open_link(session, token, device, language="sv", restart=False)
            session.flush()
            visit = service.visit(session, token, device)
            visit.state.step, visit.state.answers = "review", dict(answers)
            service.save(session, visit)
            lines.append(f"lyssna_t={token}; lyssna_d={device}")
        session.commit()
    path.write_text("\n".join(lines) + "\n")


def measure(workers: int, workdir: Path) -> dict[str, dict[str, float]]:
    results: dict[str, dict[str, float]] = {}
    process, url = bare_server(workers, workdir)
    try:
        results["bare"] = wrk(url)
    finally:
        stop(process)
    database = prepare_database(workdir / f"bench-{workers}.db")
    with live_server(database, workdir / f"logs-{workers}", workers=workers) as server:
        cookie = cookie_for(server)
        cookies = workdir / f"cookies-{workers}.txt"
        complete_drafts(server, SUBMIT_TOKENS, cookies)
        results["get"] = wrk(server.url("/s/page/1"), "-H", f"Cookie: {cookie}")
        results["post"] = wrk(server.url("/s/page/1"), "-s", str(LUA / "post.lua"),
                              env={"LYSSNA_COOKIE": cookie})
        results["submit"] = wrk(server.url("/s/review"), "-s", str(LUA / "submit.lua"),
                                env={"LYSSNA_COOKIES": str(cookies),
                                     "LYSSNA_THREADS": str(THREADS)})
    return results


def print_rates(all_results: dict[int, dict[str, dict[str, float]]]) -> None:
    print(f"(b, c) wrk -t{THREADS} -c{CONNECTIONS} -d{SECONDS}s, loopback, SQLite; "
          "rate = requests/s answered as expected")
    names = {"bare": "bare Starlette hello", "get": "GET /s/page/1 (draft cookie)",
             "post": "POST /s/page/1 (save page)", "submit": "POST /s/review (submit, fresh token)"}
    goals = {"get": 0.25, "post": 0.15}
    for workers, results in all_results.items():
        bare = results["bare"]["rps"]
        print(f"  --workers {workers}")
        for key, name in names.items():
            r = results[key]
            rate = r.get("good_rps", r["rps"])
            line = f"    {name:<38}{rate:>9,.0f} req/s"
            if key != "bare":
                line += f"  = {rate / bare:.3f}x bare"
                if key in goals:
                    ok = "meets" if rate / bare >= goals[key] else "BELOW"
                    line += f" (goal >= {goals[key]}x: {ok})"
            if "p99_ms" in r:
                line += f"  p99 {r['p99_ms']:.1f} ms"
            if "good" in r:
                line += f"  [{r['good']} ok, {r['bad']} other]"
            elif r["non2xx3xx"]:
                line += f"  [{r['non2xx3xx']} non-2xx/3xx]"
            if r["socket_errors"]:
                line += f"  [socket errors: {r['socket_errors']}]"
            print(line)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lyssna-bench-") as tmp:
        workdir = Path(tmp)
        database = prepare_database(workdir / "bytes.db")
        with live_server(database, workdir / "logs-bytes") as server:
            print_bytes(server)
        print_rates({workers: measure(workers, workdir) for workers in (1, 2)})


if __name__ == "__main__":
    main()
