"""Resumption benchmarks: filings over HTTP at a fixed rate, and the daily report at Zhejiang scale.

    python benchmarks/resumption_bench.py http --rate 500 --seconds 60 --database-url postgresql+psycopg://…
    python benchmarks/resumption_bench.py report --enterprises 333427 --database-url postgresql+psycopg://…
    python benchmarks/resumption_bench.py all --database-url …      # both, as in docs/resumption.md

**http** starts `fugong serve` (``--workers``) on a free loopback port over a fresh schema, seeded
with ``rate × seconds`` registry enterprises, a risk publication and an officer's API token. The
client is open-loop: filing k is due at start + k/rate and its latency counts from that due time (no
coordinated omission); each request files for another enterprise (``POST /resumption/filings``: create
and submit, written with the filings that arrive with it in one transaction, resumption.intake; the
JSON answer is the receipt, after the commit). Afterwards: filings
stored = successful answers (nothing lost, nothing doubled), and the CPU seconds of the server
workers, of PostgreSQL's processes and of the client over the run, as shares of the machine.

**report** fills a fresh schema with the registry (``--enterprises``), filings with their transitions
for a third of them, rosters and key projects (bulk inserts: data generation, not the path measured),
then times the command a user runs — ``fugong resumption report --date D --by county --out FILE``,
a whole process — live, and after ``fugong resumption freeze``; beside it the peer: the same counts
as one hand-written SQL query through psycopg (what a DBA would run), and prints the ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
DAY = dt.date(2020, 2, 20)


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def _machine_cpu() -> list[int]:
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def _processes_cpu(match) -> float:
    """CPU seconds (user + system) of the processes whose /proc/<pid>/stat and cmdline match."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = text.rsplit(")", 1)[1].split()
        if match(int(stat.parent.name), int(fields[1]), cmd):
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


class Schema:
    """A fresh PostgreSQL schema (or SQLite file) for one run, dropped at the end."""

    def __init__(self, database_url: str | None):
        self.tmp = tempfile.TemporaryDirectory(prefix="rs-bench-")
        self.admin_url = database_url
        self.name = None
        if database_url and database_url.startswith("postgresql"):
            from sqlalchemy import create_engine, text

            self.name = f"rsbench_{uuid.uuid4().hex[:10]}"
            with create_engine(database_url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
            sep = "&" if "?" in database_url else "?"
            self.url = f"{database_url}{sep}options=-csearch_path%3D{self.name}"
        else:
            self.url = f"sqlite:///{self.tmp.name}/bench.db"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
        self.env.update({"FUGONG_DATA_DIR": self.tmp.name, "FUGONG_DATABASE_URL": self.url,
                         "FUGONG_SECRET_KEY": "bench-secret-" + "r" * 32, "FUGONG_LOG_LEVEL": "warning",
                         "FUGONG_AS_OF": DAY.isoformat(), "FUGONG_SCHEDULER": "false",
                         "FUGONG_RESUMPTION_POLICY": "priorities-shanghai-2020",
                         "PYTHONPATH": f"{REPO}:{REPO / 'src'}"})

    def python(self, code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], env=self.env, cwd=REPO, check=True,
                              capture_output=True, text=True).stdout

    def drop(self) -> None:
        if self.name:
            from sqlalchemy import create_engine, text

            with create_engine(self.admin_url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.tmp.cleanup()


# --- seeding ---------------------------------------------------------------------------------------

SEED = """
import datetime as dt, json, random
import pyarrow as pa
from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.config import get_settings
from fugong.enterprises.importer import sync_from_meters
from fugong.index import store
from fugong.reference.regions import children
from fugong.store.db import connect, session_scope, upgrade
from tests.resumption.helpers import publish
settings = get_settings()
engine = connect(settings.resolved_database_url); upgrade(engine)
counties = [r.code for r in children("33", vintage="2020", level="county")]
n = {n}
rnd = random.Random(20200210)
store.write_enterprises(settings, pa.table({{"enterprise_id": [f"E{{i:07d}}" for i in range(n)],
                         "region_code": [rnd.choice(counties) for _ in range(n)], "industry_code": ["34"] * n,
                         "size_class": [rnd.choice(["micro", "small", "medium", "large"]) for _ in range(n)],
                         "name": [f"合成企业{{i:07d}}" for i in range(n)], "uscc": [None] * n}}), actor="system:bench")
with session_scope(engine) as s:
    sync_from_meters(s, SYSTEM, settings=settings)
    publish(s, dt.date(2020, 2, 18), {{c: "yellow" for c in counties}})
    service.add_user(s, actor=SYSTEM, username="bench-officer", role="officer", region_prefix="33")
    token = service.create_api_token(s, actor=SYSTEM, username="bench-officer", name="bench").token
print(json.dumps({{"token": token, "counties": counties}}))
"""

COUNT = """
from sqlalchemy import func, select
from fugong.config import get_settings
from fugong.resumption.models import Filing
from fugong.workflow.models import TransitionRow
from fugong.store.db import connect, session_scope
with session_scope(connect(get_settings().resolved_database_url)) as s:
    print(s.scalar(select(func.count()).select_from(Filing)),
          s.scalar(select(func.count()).select_from(TransitionRow)))
"""


class Server:
    def __init__(self, schema: Schema, workers: int):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        # The server's warnings and errors are kept (they outlive the run's schema): a failed request is
        # explained there, and the result names the file and counts its tracebacks.
        self.log = Path(tempfile.gettempdir()) / f"resumption-bench-server-{self.port}.log"
        self._log_handle = self.log.open("w", encoding="utf-8")
        # What a deployment runs: `fugong serve` (schema check, the audit log's sealer, uvicorn's workers).
        self.process = subprocess.Popen(
            [sys.executable, "-m", "fugong.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(workers)],
            env=schema.env, cwd=REPO, stdout=self._log_handle, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        import httpx

        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError("server did not start")

    def cpu(self) -> float:
        pid = self.process.pid
        return _processes_cpu(lambda p, ppid, cmd: p == pid or ppid == pid)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self._log_handle.close()


async def _fixed_rate(base: str, token: str, bodies: list[bytes], rate: float, connections: int) -> dict:
    """Open-loop POSTs of form bodies; latency from each request's due time; a plain HTTP/1.1 client."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    ok = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.3
    schedule = iter(enumerate(bodies))
    head = (f"POST /resumption/filings HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
            "Accept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ")

    async def connection() -> None:
        nonlocal ok
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for k, body in schedule:
                delay = start + k / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                due = start + k / rate
                writer.write(f"{head}{len(body)}\r\n\r\n".encode() + body)
                try:
                    header = await reader.readuntil(b"\r\n\r\n")
                    status = int(header.split(b" ", 2)[1])
                    length = next(int(line[15:]) for line in header.split(b"\r\n")
                                  if line[:15].lower() == b"content-length:")
                    await reader.readexactly(length)
                except (asyncio.IncompleteReadError, ConnectionError, StopIteration) as exc:
                    errors[type(exc).__name__] = errors.get(type(exc).__name__, 0) + 1
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                latencies.append((loop.time() - due) * 1000)
                if status == 200:
                    ok += 1
                else:
                    errors[str(status)] = errors.get(str(status), 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = loop.time() - start
    return {"target_rate": rate, "requests": len(bodies), "seconds": round(elapsed, 1),
            "achieved_rate": round(len(bodies) / elapsed, 1), "ok": ok, "errors": errors,
            "p50_ms": round(_percentile(latencies, 50), 1), "p99_ms": round(_percentile(latencies, 99), 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None}


def bench_http(*, rate: float, seconds: float, connections: int, workers: int, database_url: str | None) -> dict:
    total = int(rate * seconds)
    schema = Schema(database_url)
    try:
        seeded = json.loads(schema.python(SEED.format(n=total)).splitlines()[-1])
        server = Server(schema, workers)
        try:
            bodies = [urlencode({"enterprise_id": f"E{i:07d}", "planned_start": "2020-02-21", "staff_planned": "20",
                                 "prevention_plan": "true", "protective_stock_days": "10",
                                 "orders_in_hand": "true"}).encode() for i in range(total)]
            server_cpu, pg_cpu, machine = server.cpu(), _processes_cpu(_is_postgres), _machine_cpu()
            client_cpu, load_before = time.process_time(), os.getloadavg()
            try:
                import uvloop

                result = uvloop.run(_fixed_rate(server.base, seeded["token"], bodies, rate, connections))
            except ImportError:
                result = asyncio.run(_fixed_rate(server.base, seeded["token"], bodies, rate, connections))
            after = _machine_cpu()
            wall_cpu = sum(after) - sum(machine)  # ticks of all CPUs over the run
            tick = os.sysconf("SC_CLK_TCK")
            shares = {"server_workers": server.cpu() - server_cpu, "postgres": _processes_cpu(_is_postgres) - pg_cpu,
                      "client": time.process_time() - client_cpu}
            result["cpu_share_pct"] = {k: round(100 * v * tick / wall_cpu, 1) for k, v in shares.items()}
            delta = [b - a for a, b in zip(machine, after)]
            result["machine_idle_pct"] = round(100 * delta[3] / max(sum(delta), 1), 1)
            result["load_before"], result["load_after"] = load_before, os.getloadavg()
            result["server_cpu_ms_per_filing"] = round(shares["server_workers"] * 1000 / max(result["ok"], 1), 2)
        finally:
            server.stop()
        log = server.log.read_text(encoding="utf-8", errors="replace")
        result["server_log"] = str(server.log)
        result["server_tracebacks"] = log.count("Traceback (most recent call last)")
        filings, transitions = map(int, schema.python(COUNT).split())
        result.update({"filings_stored": filings, "transitions_stored": transitions, "workers": workers,
                       "database": "postgresql" if schema.name else "sqlite",
                       "nothing_lost": filings == result["ok"]})
        return result
    finally:
        schema.drop()


def _is_postgres(pid: int, ppid: int, cmd: str) -> bool:
    return cmd.startswith("postgres") or "/postgres " in cmd


# --- the daily report at scale ----------------------------------------------------------------------

FILL = """
import datetime as dt, random
from fugong.config import get_settings
from fugong.store.db import connect, session_scope
settings = get_settings()
engine = connect(settings.resolved_database_url)
rnd = random.Random(7)
with engine.begin() as conn:
    rows = conn.exec_driver_sql("SELECT enterprise_id, region_code FROM ent_enterprise ORDER BY enterprise_id").all()
    sqlite = conn.dialect.name == "sqlite"
    m = "?" if sqlite else "%s"
    utc = dt.timezone.utc
    def t(value):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if sqlite else value
    filings, moves, staff, events = [], [], [], []
    for n, (eid, county) in enumerate(rows):
        if n % 3 == 0:
            fid = f"F{{n:09d}}"
            day = dt.date(2020, 2, 7) + dt.timedelta(days=rnd.randrange(0, 14))
            at = dt.datetime.combine(day, dt.time(2), tzinfo=utc)
            final = rnd.choice(["submitted", "approved", "approved", "resumed", "rejected"])
            filings.append((fid, eid, county, "bench@1", "single", day, 10, "{{}}", final, 3, t(at), "bench", t(at)))
            steps = [("create", None, "draft"), ("submit", "draft", "submitted")]
            if final in ("approved", "resumed", "rejected"):
                steps.append(("approve" if final != "rejected" else "reject", "submitted",
                              "approved" if final != "rejected" else "rejected"))
            if final == "resumed":
                steps.append(("declare_resumed", "approved", "resumed"))
            for k, (action, before, after) in enumerate(steps):
                moves.append(("resumption-filing", 1, fid, action, before, after, "bench", "officer",
                              t(at + dt.timedelta(hours=12 * k)), county))
        if n % 10 == 0:
            for k in range(3):
                staff.append((eid, f"{{k:03d}}", "员工", "", False, "on_site" if k else "not_returned",
                              dt.date(2020, 2, 10), t(dt.datetime(2020, 2, 10, tzinfo=utc))))
    conn.exec_driver_sql(f"INSERT INTO rs_filing (id, enterprise_id, region_code, policy, kind, planned_start, "
                         f"staff_planned, answers, state, state_version, state_changed_at, created_by, created_at) "
                         f"VALUES ({{', '.join([m] * 13)}})", filings)
    conn.exec_driver_sql(f"INSERT INTO wf_transition (machine, machine_version, entity_id, action, from_state, "
                         f"to_state, actor, role, at, region_code) VALUES ({{', '.join([m] * 10)}})", moves)
    conn.exec_driver_sql(f"INSERT INTO rs_employee (enterprise_id, employee_no, name, post, safety_critical, status, "
                         f"status_since, updated_at) VALUES ({{', '.join([m] * 8)}})", staff)
    conn.exec_driver_sql("INSERT INTO rs_employee_event (employee_id, enterprise_id, status, effective_on, actor, at) "
                         "SELECT id, enterprise_id, status, status_since, 'bench', updated_at FROM rs_employee")
    if not sqlite:
        conn.exec_driver_sql("ANALYZE")
print(len(filings), len(moves), len(staff))
"""

PEER = """
# Four of the report's nine counts (enterprises, filed, approved, staff), grouped once each and joined: what a
# DBA would write; fugong's report counts the other five too (declared, metered, on site, key projects).
import time, datetime as dt
from sqlalchemy import create_engine, text
from fugong.config import get_settings
engine = create_engine(get_settings().resolved_database_url)
until = dt.datetime(2020, 2, 20, 15, 59, 59, tzinfo=dt.timezone.utc)
SQL = '''
WITH latest AS (SELECT DISTINCT ON (entity_id) entity_id, to_state FROM wf_transition
                WHERE machine = 'resumption-filing' AND at <= :until ORDER BY entity_id, at DESC, id DESC),
     filed AS (SELECT f.region_code, count(DISTINCT f.enterprise_id) AS n FROM rs_filing f
               JOIN wf_transition t ON t.entity_id = f.id WHERE t.action = 'submit' AND t.at <= :until
               GROUP BY f.region_code),
     approved AS (SELECT f.region_code, count(DISTINCT f.enterprise_id) AS n FROM rs_filing f
                  JOIN latest l ON l.entity_id = f.id
                  WHERE l.to_state IN ('provisionally_approved', 'approved', 'resumed') GROUP BY f.region_code),
     ev AS (SELECT DISTINCT ON (employee_id) employee_id, enterprise_id, status FROM rs_employee_event
            WHERE effective_on <= :day ORDER BY employee_id, effective_on DESC, id DESC),
     staff AS (SELECT x.region_code, count(*) AS n FROM ev JOIN ent_enterprise x ON x.enterprise_id = ev.enterprise_id
               WHERE ev.status <> 'left' GROUP BY x.region_code),
     ents AS (SELECT region_code, count(*) AS n FROM ent_enterprise GROUP BY region_code)
SELECT ents.region_code, ents.n, coalesce(filed.n, 0), coalesce(approved.n, 0), coalesce(staff.n, 0)
FROM ents LEFT JOIN filed USING (region_code) LEFT JOIN approved USING (region_code) LEFT JOIN staff USING (region_code)
'''
started = time.perf_counter()
with engine.connect() as conn:
    rows = conn.execute(text(SQL), {"until": until, "day": dt.date(2020, 2, 20)}).all()
print(len(rows), time.perf_counter() - started)
"""


def _timed(schema: Schema, args: list[str]) -> tuple[float, str]:
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "fugong.cli", *args], env=schema.env, cwd=REPO, check=True,
                         capture_output=True, text=True).stdout
    return time.perf_counter() - started, out


def bench_report(*, enterprises: int, database_url: str | None) -> dict:
    schema = Schema(database_url)
    try:
        started = time.perf_counter()
        schema.python(SEED.format(n=enterprises))
        filings, transitions, staff = map(int, schema.python(FILL.format()).split())
        out = Path(schema.tmp.name) / "report.csv"
        result = {"enterprises": enterprises, "filings": filings, "transitions": transitions, "employees": staff,
                  "fill_seconds": round(time.perf_counter() - started, 1), "load_before": os.getloadavg()}
        live, _ = _timed(schema, ["resumption", "report", "--date", DAY.isoformat(), "--by", "county", "--out", str(out)])
        rows = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
        frozen, _ = _timed(schema, ["resumption", "freeze", "--date", DAY.isoformat()])
        again, said = _timed(schema, ["resumption", "report", "--date", DAY.isoformat(), "--by", "county", "--out", str(out)])
        empty, _ = _timed(schema, ["--help"])
        result.update({"report_live_seconds": round(live, 2), "county_rows": rows, "freeze_seconds": round(frozen, 2),
                       "report_frozen_seconds": round(again, 2), "read_frozen": "frozen version 1" in said,
                       "cli_start_seconds": round(empty, 2)})
        if schema.name:
            _, peer = schema.python(PEER).split()
            result["peer_sql_seconds"] = round(float(peer), 2)
            result["ratio_live_to_peer"] = round(live / float(peer), 1)  # whole process against one query
            result["ratio_live_without_start_to_peer"] = round(max(live - empty, 0.01) / float(peer), 1)
        result["load_after"] = os.getloadavg()
        return result
    finally:
        schema.drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("http", "report", "all"))
    parser.add_argument("--rate", type=float, default=500)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--enterprises", type=int, default=333_427)
    parser.add_argument("--database-url", default=os.environ.get("FUGONG_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    results = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    if args.what in ("http", "all"):
        results["http"] = bench_http(rate=args.rate, seconds=args.seconds, connections=args.connections,
                                     workers=args.workers, database_url=args.database_url)
        print(json.dumps({"http": results["http"]}, ensure_ascii=False), flush=True)
    if args.what in ("report", "all"):
        results["report"] = bench_report(enterprises=args.enterprises, database_url=args.database_url)
        print(json.dumps({"report": results["report"]}, ensure_ascii=False), flush=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
