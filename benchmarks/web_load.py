"""Load test of the dashboard on loopback: N concurrent logged-in users for T seconds.

Each user logs in once (session cookie), then requests the overview and map pages and their JSON
twins in turn as fast as answers come back. Prints per-URL request counts, errors and p50/p95/p99
latency in milliseconds. Bounded: loopback addresses only, fixed users and duration.

    # prepare a small data set, start a server, run 20 users for 60 s:
    python benchmarks/web_load.py --prepare-scale 0.03 --users 20 --duration 60
    # against a server already running (e.g. `fugong demo` then `fugong serve`), with a user:
    python benchmarks/web_load.py --base-url http://127.0.0.1:8000 --username admin --password ...
    # other pages, e.g. a county's enterprise list (the drill-down) sorted and filtered:
    python benchmarks/web_load.py --base-url … --path '/explorer?code=330110' --path '/explorer.json?code=330110&flag=idle_suspect'

Before the load, each path's first answer is timed alone (a fresh server's first request reads the
stored results: the cold figure) with its size.

Target (issue 5): p95 < 300 ms for the overview and map pages and their JSON, 20 users, 60 s, with
the full-scale demo (333,427 enterprises) loaded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parents[1]
PAGES = ("/overview", "/overview.json", "/risk/map", "/risk/map.json")
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def asgi_app():
    """The served app plus accounts and the dashboard router if create_app lacks them (uvicorn --factory)."""
    from fugong.dashboard.views import install
    from fugong.web.app import create_app

    app = create_app()
    install(app)
    return app


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


async def log_in(client, username: str, password: str) -> None:
    page = await client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    answer = await client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                               "next": "/overview"})
    if answer.status_code != 303:
        raise SystemExit(f"login of {username!r} failed with HTTP {answer.status_code}")


async def user(base: str, cookies, paths: list[str], until: float, results: dict) -> None:
    """One simulated user: its own connection, the logged-in session cookie (logging in 20 times
    with one username would trip the login rate limit, which is working as intended)."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=30, follow_redirects=False, cookies=cookies) as client:
        i = 0
        while time.monotonic() < until:
            path = paths[i % len(paths)]
            i += 1
            start = time.perf_counter()
            try:
                response = await client.get(path, headers={"accept": "application/json" if urlparse(path).path.endswith(".json") else "text/html"})
                ok = response.status_code == 200
            except httpx.HTTPError:
                ok = False
            elapsed = (time.perf_counter() - start) * 1000
            entry = results.setdefault(path, {"ms": [], "errors": 0})
            entry["ms"].append(elapsed)
            entry["errors"] += 0 if ok else 1


async def session_and_paths(base: str, username: str, password: str, pages=PAGES):
    """Log in once; the session cookies and the pages of ``pages`` this server has (the map page
    belongs to the risk package and may not be there yet), each one's first answer timed alone."""
    import httpx

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await log_in(client, username, password)
        found = []
        for path in pages:
            start = time.perf_counter()
            answer = await client.get(path)
            elapsed = (time.perf_counter() - start) * 1000
            if answer.status_code == 404:
                continue
            if answer.status_code != 200:
                raise SystemExit(f"{path}: HTTP {answer.status_code}")
            print(f"first answer {path}: {elapsed:.0f} ms, {len(answer.content):,} bytes")
            found.append(path)
        return client.cookies, found


async def run(base: str, username: str, password: str, users: int, duration: float, pages=PAGES) -> dict:
    cookies, paths = await session_and_paths(base, username, password, pages)
    print("paths:", ", ".join(paths))
    results: dict = {}
    until = time.monotonic() + duration
    await asyncio.gather(*(user(base, cookies, paths, until, results) for _ in range(users)))
    return results


def report(results: dict, duration: float) -> bool:
    width = max([18, *(len(path) + 2 for path in results)])
    print(f"{'path':<{width}}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    worst = 0.0
    for path, entry in sorted(results.items()):
        ms = entry["ms"]
        p95 = percentile(ms, 95)
        worst = max(worst, p95)
        print(f"{path:<{width}}{len(ms):>9}{entry['errors']:>8}{len(ms) / duration:>8.1f}{statistics.median(ms):>9.1f}"
              f"{p95:>9.1f}{percentile(ms, 99):>9.1f}")
    print(f"worst p95: {worst:.1f} ms (target < 300 ms)")
    return worst < 300 and not any(e["errors"] for e in results.values())


def run_wrk(base: str, username: str, password: str, users: int, duration: float, pages=PAGES) -> bool:
    """The same load with wrk (C, from Debian's packages), one path at a time, so that the load
    generator does not eat the server's CPU: 20 connections = 20 concurrent users, no think time."""
    import re
    import shutil

    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    cookies, paths = asyncio.run(session_and_paths(base, username, password, pages))
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    worst, ok = 0.0, True
    width = max([18, *(len(path) + 2 for path in paths)])
    print(f"{'path':<{width}}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for path in paths:
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(users), "-d", f"{int(duration)}s", "--latency", "-H", f"Cookie: {cookie}",
             "-s", str(Path(__file__).with_name("wrk_percentiles.lua")), base + path],
            capture_output=True, text=True, check=True).stdout
        stats = dict(re.findall(r"^(p50|p95|p99|requests|errors|non2xx) (\S+)$", out, re.MULTILINE))
        p95 = float(stats["p95"])
        worst = max(worst, p95)
        errors = int(stats["errors"]) + int(stats["non2xx"])
        ok = ok and errors == 0
        print(f"{path:<{width}}{int(stats['requests']):>9}{errors:>8}{int(stats['requests']) / duration:>8.1f}"
              f"{float(stats['p50']):>9.1f}{p95:>9.1f}{float(stats['p99']):>9.1f}")
    print(f"worst p95: {worst:.1f} ms (target < 300 ms)")
    return ok and worst < 300


def start_server(data_dir: Path, as_of: str, workers: int = 1) -> tuple[subprocess.Popen, str]:
    import socket

    import httpx

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_AS_OF": as_of, "PYTHONPATH": str(REPO)})
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "benchmarks.web_load:asgi_app", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--workers", str(workers)], env=env, cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("the server did not start")


def prepare(data_dir: Path, scale: float, username: str, password: str) -> None:
    from fugong.access import SYSTEM
    from fugong.accounts import service as accounts
    from fugong.config import load_settings
    from fugong.dashboard.sample import prepare as prepare_data
    from fugong.store.db import connect, session_scope, upgrade

    started = time.monotonic()
    info = prepare_data(data_dir=data_dir, scale=scale)
    print(f"prepared {info['enterprises']:,} enterprises in {time.monotonic() - started:.0f} s")
    engine = connect(load_settings({"FUGONG_DATA_DIR": str(data_dir)}).resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        accounts.add_user(session, actor=SYSTEM, username=username, role="province_admin", region_prefix="33",
                          password=password)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", help="a running server (loopback only); default: start one")
    parser.add_argument("--prepare-scale", type=float, default=0.03, help="scenario scale when starting a server")
    parser.add_argument("--data-dir", type=Path, help="data directory for the started server (default: temporary)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--username", default="load-admin")
    parser.add_argument("--password", default="load-test-password-1")
    parser.add_argument("--as-of", default="2020-02-20")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes of the started server")
    parser.add_argument("--wrk", action="store_true", help="generate the load with wrk, one path at a time")
    parser.add_argument("--path", action="append", default=None,
                        help="a page to request (repeatable; default: " + ", ".join(PAGES) + ")")
    args = parser.parse_args()
    pages = tuple(args.path or PAGES)
    if any(not page.startswith("/") for page in pages):
        raise SystemExit("--path takes a path on the server, starting with /")
    if not 1 <= args.users <= 200 or not 1 <= args.duration <= 600:
        raise SystemExit("--users must be 1..200 and --duration 1..600 s")
    process = None
    if args.base_url:
        if urlparse(args.base_url).hostname not in LOOPBACK:
            raise SystemExit("this load generator only targets loopback addresses")
        base = args.base_url.rstrip("/")
    else:
        data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="fugong-load-"))
        if not (data_dir / "results").exists():
            prepare(data_dir, args.prepare_scale, args.username, args.password)
        process, base = start_server(data_dir, args.as_of, args.workers)
    try:
        print(f"{args.users} users for {args.duration:.0f} s against {base}")
        if args.wrk:
            ok = run_wrk(base, args.username, args.password, args.users, args.duration, pages)
        else:
            results = asyncio.run(run(base, args.username, args.password, args.users, args.duration, pages))
            ok = report(results, args.duration)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=10)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
