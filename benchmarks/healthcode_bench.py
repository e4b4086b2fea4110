"""Health-code benchmarks: token verification in process, HTTP gate scans at a fixed rate, issuing codes.

    python benchmarks/healthcode_bench.py verify            # in-process verifications per second
    python benchmarks/healthcode_bench.py issue --people 1000000
    python benchmarks/healthcode_bench.py http --rate 1000 --connections 50 --seconds 60
    python benchmarks/healthcode_bench.py max --connections 50 --step-seconds 15
    python benchmarks/healthcode_bench.py all               # everything, as in docs/healthcode.md

The HTTP runs start `uvicorn` on a free loopback port over a fresh SQLite database (or
``--database-url postgresql+psycopg://…``) seeded with a gate-staff account (bearer token), a green
person and a gate. The load generator is open-loop: request k is due at start + k/rate and its
latency is measured from that due time (so a stalled server cannot hide queueing: no coordinated
omission). At most ``--connections`` requests are in flight (an httpx pool of that size). Every
request carries a fresh token, so every scan is a pass that must be stored; afterwards the number of
stored scans is compared with the number of successful answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


# --- in process -----------------------------------------------------------------------------------

def bench_verify(seconds: float = 5.0) -> dict:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fugong.healthcode.tokens import sign_token, verify_token

    private = Ed25519PrivateKey.generate()
    keys = {"k1": private.public_key()}
    now = int(time.time())
    tokens = [sign_token(private, key_id="k1", code_id=f"code{i:08d}", colour="green", issued_at=now)
              for i in range(2000)]
    count, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for token in tokens:
            assert verify_token(token, keys=keys, now=now + 1).ok
        count += len(tokens)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    # CPU seconds too: on a shared machine the wall-clock rate mostly measures the neighbours.
    return {"verifications": count, "seconds": round(elapsed, 2), "per_second": round(count / elapsed),
            "cpu_seconds": round(cpu, 2), "per_cpu_second": round(count / cpu)}


def bench_issue(people: int = 1_000_000) -> dict:
    """Sign one token for each of ``people`` code ids (the work of issuing everyone a fresh code)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fugong.healthcode.tokens import sign_token

    try:
        from rich.progress import Progress
    except ImportError:  # pragma: no cover
        Progress = None
    private = Ed25519PrivateKey.generate()
    now = int(time.time())
    colours = ("green", "green", "green", "yellow", "red")
    start, cpu = time.perf_counter(), time.process_time()
    total_bytes = 0
    chunk = 50_000
    progress = Progress(transient=True) if Progress else None
    task = progress.add_task("signing", total=people) if progress else None
    if progress:
        progress.start()
    for base in range(0, people, chunk):
        for i in range(base, min(people, base + chunk)):
            total_bytes += len(sign_token(private, key_id="k1", code_id=f"{i:016x}", colour=colours[i % 5],
                                          issued_at=now))
        if progress:
            progress.update(task, completed=min(people, base + chunk))
    if progress:
        progress.stop()
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"people": people, "seconds": round(elapsed, 1), "per_second": round(people / elapsed),
            "cpu_seconds": round(cpu, 1), "per_cpu_second": round(people / cpu),
            "mean_token_chars": round(total_bytes / people, 1)}


# --- HTTP -----------------------------------------------------------------------------------------

SEED = """
import json, sys
from fugong.access import SYSTEM, Principal
from fugong.accounts import service
from fugong.config import get_settings
from fugong.healthcode.declarations import declare
from fugong.healthcode.people import register_person
from fugong.healthcode.scans import register_gate
from fugong.healthcode.tokens import ensure_signing_key, _decrypt_private, _secret
from fugong.store.db import connect, session_scope, upgrade
engine = connect(get_settings().resolved_database_url); upgrade(engine)
with session_scope(engine) as s:
    service.add_user(s, actor=SYSTEM, username="bench-gate", role="gate_staff", region_prefix="330106")
    token = service.create_api_token(s, actor=SYSTEM, username="bench-gate", name="bench").token
    me = Principal(user_id="bench-person", role="person")
    person = register_person(s, me, name="压测", phone="13900000000", id_number="11010519491231002X",
                             region_code="330106", enterprise_id="EBENCH")
    declare(s, me, current_region="330106", temperature=36.5)
    register_gate(s, SYSTEM, gate_id="GB", enterprise_id="EBENCH", region_code="330106", name="bench gate")
    key = ensure_signing_key(s, SYSTEM)  # set-up makes the first key (reads never do)
    print(json.dumps({"bearer": token, "code_id": person.code_id, "kid": key.key_id}))
"""

SIGNING_KEY = """
import base64, sys
from sqlalchemy import select
from fugong.config import get_settings
from fugong.healthcode.models import SigningKey
from fugong.healthcode.tokens import _decrypt_private, _secret
from fugong.store.db import connect, session_scope
from cryptography.hazmat.primitives.serialization import Encoding, PrivateFormat, NoEncryption
with session_scope(connect(get_settings().resolved_database_url)) as s:
    row = s.scalar(select(SigningKey).where(SigningKey.active.is_(True)))
    raw = _decrypt_private(row, _secret(None)).private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    print(base64.b64encode(raw).decode())
"""

COUNT_SCANS = """
from sqlalchemy import func, select
from fugong.config import get_settings
from fugong.healthcode.models import Scan
from fugong.store.db import connect, session_scope
with session_scope(connect(get_settings().resolved_database_url)) as s:
    print(s.scalar(select(func.count()).select_from(Scan)))
"""


class Server:
    """uvicorn serving fugong (with accounts) over a seeded database, on a free loopback port."""

    def __init__(self, database_url: str | None = None, workers: int = 1):
        self.tmp = tempfile.TemporaryDirectory(prefix="hc-bench-")
        self.admin_url, self.schema = None, None
        if database_url and database_url.startswith("postgresql"):
            # A fresh schema of its own, dropped at the end (as the test suite does).
            import uuid

            from sqlalchemy import create_engine, text

            self.admin_url, self.schema = database_url, f"hcbench_{uuid.uuid4().hex[:10]}"
            with create_engine(database_url).begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
            sep = "&" if "?" in database_url else "?"
            database_url = f"{database_url}{sep}options=-csearch_path%3D{self.schema}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
        self.env.update({"FUGONG_DATA_DIR": self.tmp.name, "FUGONG_SECRET_KEY": "bench-secret-" + "z" * 32,
                         "FUGONG_LOG_LEVEL": "warning", "PYTHONPATH": str(REPO)})
        if database_url:
            self.env["FUGONG_DATABASE_URL"] = database_url
        self.seed = json.loads(self._python(SEED).splitlines()[-1])
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        import base64

        self.private = Ed25519PrivateKey.from_private_bytes(base64.b64decode(self._python(SIGNING_KEY).strip()))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "tests.healthcode.gate_app:make", "--factory", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log", "--workers", str(workers)],
            env=self.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self.base = f"http://127.0.0.1:{self.port}"
        import httpx

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise RuntimeError("server did not start")

    def _python(self, code: str) -> str:
        return subprocess.run([sys.executable, "-c", code], env=self.env, cwd=REPO, check=True,
                              capture_output=True, text=True).stdout

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server process and its worker processes (Linux /proc)."""
        total, tick = 0.0, os.sysconf("SC_CLK_TCK")
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, ppid = int(stat.parent.name), int(fields[1])
            if pid == self.process.pid or ppid == self.process.pid:
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def scans_stored(self) -> int:
        return int(self._python(COUNT_SCANS).strip())

    def tokens(self, n: int) -> list[str]:
        from fugong.healthcode.tokens import sign_token

        now = int(time.time())
        return [sign_token(self.private, key_id=self.seed["kid"], code_id=self.seed["code_id"], colour="green",
                           issued_at=now, lifetime_s=3600) for _ in range(n)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)
        self.tmp.cleanup()
        if self.schema:
            from sqlalchemy import create_engine, text

            with create_engine(self.admin_url).begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{self.schema}" CASCADE'))


async def _fixed_rate(base: str, bearer: str, tokens: list[str], rate: float, connections: int,
                      give_up_after: float | None = None) -> dict:
    """Open-loop load: request k is due at start + k/rate, sent on one of ``connections`` keep-alive
    connections as soon as one is free, and its latency counted from its due time.

    A plain HTTP/1.1 client on asyncio streams (a few tens of microseconds of CPU per request; httpx
    took about a millisecond, which on a 2-core machine is CPU taken from the server under test).
    """
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors: dict[str, int] = {}
    passes = not_sent = 0
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    schedule = iter(enumerate(tokens))
    head = (f"POST /api/code/scan HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {bearer}\r\n"
            "Content-Type: application/json\r\nContent-Length: ")

    def count(key: str) -> None:
        errors[key] = errors.get(key, 0) + 1

    async def connection() -> None:
        nonlocal passes, not_sent
        reader, writer = await asyncio.open_connection(host, int(port))
        try:
            for k, token in schedule:
                due = start + k / rate
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if give_up_after is not None and loop.time() - start > give_up_after:
                    not_sent += 1  # the server fell so far behind that the run is stopped
                    continue
                body = json.dumps({"gate_id": "GB", "token": token, "temperature": 36.5}).encode()
                writer.write(f"{head}{len(body)}\r\n\r\n".encode() + body)
                try:
                    header = await reader.readuntil(b"\r\n\r\n")
                    status = int(header.split(b" ", 2)[1])
                    length = 0
                    for line in header.split(b"\r\n"):
                        if line[:15].lower() == b"content-length:":
                            length = int(line[15:])
                    answer = await reader.readexactly(length)
                except (asyncio.IncompleteReadError, ConnectionError) as exc:
                    count(type(exc).__name__)
                    reader, writer = await asyncio.open_connection(host, int(port))
                    continue
                latencies.append((loop.time() - due) * 1000)
                if status != 200:
                    count(str(status))
                elif json.loads(answer)["result"] == "pass":
                    passes += 1
                else:
                    count(json.loads(answer)["reason"]["code"])
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = loop.time() - start
    sent = len(tokens) - not_sent
    if not_sent:
        errors["not_sent_server_behind"] = not_sent
    return {
        "target_rate": rate, "requests": sent, "scheduled": len(tokens), "seconds": round(elapsed, 1),
        "achieved_rate": round(sent / elapsed, 1), "passes": passes, "errors": errors,
        "p50_ms": round(_percentile(latencies, 50), 1), "p99_ms": round(_percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "mean_ms": round(statistics.fmean(latencies), 1) if latencies else None,
    }


def _run_async(coroutine):
    """asyncio.run, on uvloop when it is installed (the client's own overhead matters at 1,000 req/s),
    with the client's garbage collector paused: holding 60,000 tokens, its full collections took
    about 100 ms every second, stalls that the latencies would otherwise blame on the server."""
    import gc

    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        try:
            import uvloop
        except ImportError:
            return asyncio.run(coroutine)
        return uvloop.run(coroutine)
    finally:
        gc.enable()
        gc.unfreeze()


def _machine_cpu() -> list[int]:
    """The machine's CPU time counters (/proc/stat: user nice system idle iowait irq softirq steal)."""
    return [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]


def _machine_share(before: list[int], after: list[int]) -> dict:
    """Idle and steal shares of the machine's CPU time between two readings. Steal is time the
    hypervisor gave this VM's CPUs to someone else: a stall the server cannot do anything about."""
    delta = [b - a for a, b in zip(before, after)]
    total = sum(delta) or 1
    return {"machine_idle_pct": round(100 * delta[3] / total, 1), "machine_steal_pct": round(100 * delta[7] / total, 1)}


def bench_http(rate: float = 1000, connections: int = 50, seconds: float = 60, database_url: str | None = None,
               workers: int = 2) -> dict:
    server = Server(database_url, workers)
    try:
        _run_async(_fixed_rate(server.base, server.seed["bearer"], server.tokens(200), 100, connections))  # warm-up
        before = server.scans_stored()
        tokens = server.tokens(int(rate * seconds))
        cpu, machine = server.cpu_seconds(), _machine_cpu()
        result = _run_async(_fixed_rate(server.base, server.seed["bearer"], tokens, rate, connections,
                                         give_up_after=seconds * 1.5))
        result.update(_machine_share(machine, _machine_cpu()))
        result["server_cpu_ms_per_request"] = round((server.cpu_seconds() - cpu) * 1000 / max(result["requests"], 1), 2)
        result["scans_stored"] = server.scans_stored() - before
        result["every_scan_stored"] = result["scans_stored"] == result["passes"] + sum(
            v for k, v in result["errors"].items() if k.startswith("DENY"))
        result["goal_met"] = result["p99_ms"] < 50 and not result["errors"] and result["every_scan_stored"]
        return result
    finally:
        server.stop()


def bench_max(connections: int = 50, step_seconds: float = 15, start_rate: int = 25, database_url: str | None = None,
              workers: int = 2) -> dict:
    """Raise the fixed rate step by step (x1.5) until the server falls behind (errors or < 97 % of the
    rate achieved); report the highest rate sustained and the highest with p99 < 50 ms."""
    server = Server(database_url, workers)
    steps, sustained, within_goal = [], None, None
    try:
        _run_async(_fixed_rate(server.base, server.seed["bearer"], server.tokens(200), 100, connections))
        rate = start_rate
        while rate <= 5000:
            tokens = server.tokens(int(rate * step_seconds))
            cpu, machine = server.cpu_seconds(), _machine_cpu()
            result = _run_async(_fixed_rate(server.base, server.seed["bearer"], tokens, rate, connections,
                                             give_up_after=step_seconds * 2))
            result.update(_machine_share(machine, _machine_cpu()))
            result["server_cpu_ms_per_request"] = round((server.cpu_seconds() - cpu) * 1000 / max(result["requests"], 1), 2)
            steps.append(result)
            print(json.dumps(result), file=sys.stderr)
            if result["errors"] or result["achieved_rate"] < 0.97 * rate:
                break  # the server no longer keeps up with this rate
            sustained = rate
            if result["p99_ms"] < 50:
                within_goal = rate
            rate = int(rate * 1.5)
        return {"highest_sustained_rate": sustained, "highest_rate_with_p99_under_50ms": within_goal, "steps": steps}
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["verify", "issue", "http", "max", "all"])
    parser.add_argument("--people", type=int, default=1_000_000)
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--step-seconds", type=float, default=15)
    parser.add_argument("--start-rate", type=int, default=25, help="first rate of the max search (then x1.5)")
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes (default 2: one per core here)")
    args = parser.parse_args()
    results = {"cpus": os.cpu_count(), "load_before": os.getloadavg()}
    if args.what in ("verify", "all"):
        results["verify_in_process"] = bench_verify()
    if args.what in ("issue", "all"):
        results["issue"] = bench_issue(args.people)
    if args.what in ("http", "all"):
        results["http_fixed_rate"] = bench_http(args.rate, args.connections, args.seconds, args.database_url,
                                                args.workers)
    if args.what in ("max", "all"):
        results["http_max"] = bench_max(args.connections, args.step_seconds, args.start_rate, database_url=args.database_url,
                                         workers=args.workers)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
