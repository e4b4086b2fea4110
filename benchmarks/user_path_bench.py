"""Benchmark: the commands a user runs, whole process, with peak memory and the machine's load.

    python benchmarks/user_path_bench.py --data-dir /work/bench-data/demo [--scale 1.0] [--day 2020-02-21]

1. `fugong demo --no-serve` on an empty data folder (the README's first run, without the install;
   `time bash scripts/demo.sh --no-serve` on a fresh clone adds the install);
2. `fugong index run --period 2020-01-01:2020-03-31 --closure zhejiang-2020 --date DAY` on the
   store the demo made (a day already computed, run again: province, per-enterprise facts of that
   day included), three times;
3. with ``--new-days N``: the days a grid company sends one at a time. A second store beside the
   demo's (DATA-DIR-new-days) takes the demo's enterprises and daily readings without the period's
   last N working days, and a full `fugong index run` of the period; then, for each of those days,
   `fugong index ingest daily` of that day's readings (not timed) and `fugong index run --date DAY`
   (timed): the day's breakdowns, its per-enterprise facts, and the first resumptions and cohorts it
   completes, in place;
4. with ``--ingest``: the scenario's files the demo generated, ingested by the commands an analyst
   runs on an empty store beside the demo's (DATA-DIR-ingest): `fugong index ingest enterprises`,
   `daily` and `interval`, each timed whole process with its peak (the goal: under 4 GiB).

Prints wall seconds, peak RSS of the command (its own process tree's largest) and `uptime`'s load
before each command. Compare the demo's own stage times in its output.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from fugong.demo.stages import DEMO_PERIOD  # the days the demo computed: a new day inside them uses its plan

FUGONG = str(Path(sys.executable).parent / "fugong")


def timed(command: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, peak MiB, output tail) of a command run in its own process (forked per run so
    that RUSAGE_CHILDREN's peak is this command's)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: run the command, report its peak through the pipe
        os.close(read)
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        os.write(write, f"{seconds}\n{peak}\n{done.returncode}\n{(done.stdout + done.stderr)[-6000:]}".encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        seconds, peak, code, *tail = fh.read().split("\n")
    os.waitpid(pid, 0)
    if int(code):
        raise SystemExit(f"{' '.join(command)} failed:\n" + "\n".join(tail))
    return float(seconds), float(peak), "\n".join(tail)


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", type=Path, required=True)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--day", default="2020-02-21")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-demo", action="store_true", help="time `index run --date` on an existing demo store")
    ap.add_argument("--new-days", type=int, default=0, help="also time N new days, one at a time, in a store beside the demo's")
    ap.add_argument("--ingest", action="store_true", help="also time the ingest of the scenario's files into an empty store")
    args = ap.parse_args()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_")}
    env.update({"FUGONG_DATA_DIR": str(args.data_dir), "PYTHONWARNINGS": "ignore"})
    if not args.skip_demo:
        shutil.rmtree(args.data_dir, ignore_errors=True)
        before = load()
        seconds, peak, tail = timed([FUGONG, "demo", "--no-serve", "--scale", str(args.scale)], env)
        print(tail)
        print(f"fugong demo --no-serve --scale {args.scale}: {seconds:.1f} s, peak {peak:,.0f} MiB (load before: {before})")
    runs = []
    for _ in range(args.repeat):
        before = load()
        seconds, peak, _tail = timed([FUGONG, "index", "run", "--period", str(DEMO_PERIOD), "--closure", "zhejiang-2020",
                                      "--date", args.day], env)
        runs.append(seconds)
        print(f"fugong index run --date {args.day}: {seconds:.2f} s, peak {peak:,.0f} MiB (load before: {before})")
    print(f"index run --date: median {statistics.median(runs):.2f} s of {', '.join(f'{r:.2f}' for r in runs)}; load now {load()}")
    if args.new_days:
        new_days(args.data_dir, env, count=args.new_days)
    if args.ingest:
        ingest(args.data_dir, env)


def ingest(demo_dir: Path, env: dict) -> None:
    """Case 4 of the module docstring."""
    folder = demo_dir.with_name(demo_dir.name + "-ingest")
    shutil.rmtree(folder, ignore_errors=True)
    env = {**env, "FUGONG_DATA_DIR": str(folder), "COLUMNS": "400"}  # the summary on one line, not wrapped at 80
    scenario = demo_dir / "demo" / "scenario"
    for kind, name in (("enterprises", "enterprises.parquet"), ("daily", "daily.parquet"), ("interval", "interval.parquet")):
        before = load()
        seconds, peak, tail = timed([FUGONG, "index", "ingest", kind, str(scenario / name)], env)
        summary = " ".join(line.strip() for line in tail.strip().splitlines()[-2:])
        print(f"fugong index ingest {kind} {name}: {seconds:.1f} s, peak {peak:,.0f} MiB (load before: {before}) · {summary}")


def _not_resumed(folder: Path) -> int:
    """Enterprises of the not-resumed cohort in the store's results, as readers see them (the file and
    the first resumptions runs for new days found since)."""
    import pyarrow.compute as pc

    from fugong.index.oneday import read_enterprise_results_at

    results = folder / "results" / "index"
    table = read_enterprise_results_at(results / "enterprises.parquet", results / "enterprises-since.parquet", ["cohort"])
    return pc.sum(pc.equal(table["cohort"], "not-resumed")).as_py()


def new_days(demo_dir: Path, env: dict, *, count: int) -> None:
    """Case 3 of the module docstring."""
    import duckdb

    from fugong.reference.workdays import CLOSURES, workdays

    folder = demo_dir.with_name(demo_dir.name + "-new-days")
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "input").mkdir(parents=True)
    env = {**env, "FUGONG_DATA_DIR": str(folder)}
    scenario = demo_dir / "demo" / "scenario"
    days = workdays(DEMO_PERIOD.start, DEMO_PERIOD.end, closures=(CLOSURES["zhejiang-2020"],))[-count:]
    listed = ", ".join(f"DATE '{d.isoformat()}'" for d in days)
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM read_parquet('{scenario / 'daily.parquet'}') WHERE date NOT IN ({listed}))"
                f" TO '{folder / 'input' / 'before.parquet'}' (FORMAT PARQUET)")
    for day in days:
        con.execute(f"COPY (SELECT * FROM read_parquet('{scenario / 'daily.parquet'}') WHERE date = DATE '{day.isoformat()}')"
                    f" TO '{folder / 'input' / f'{day.isoformat()}.parquet'}' (FORMAT PARQUET)")
    period = ["--period", str(DEMO_PERIOD), "--closure", "zhejiang-2020"]
    timed([FUGONG, "index", "ingest", "enterprises", str(scenario / "enterprises.parquet")], env)
    timed([FUGONG, "index", "ingest", "daily", str(folder / "input" / "before.parquet")], env)
    seconds, _peak, _tail = timed([FUGONG, "index", "run", *period], env)
    print(f"new days: store without {', '.join(d.isoformat() for d in days)} and its full run ({seconds:.0f} s) ready")
    runs = []
    for day in days:
        timed([FUGONG, "index", "ingest", "daily", str(folder / "input" / f"{day.isoformat()}.parquet")], env)
        waiting = _not_resumed(folder)
        before = load()
        seconds, peak, _tail = timed([FUGONG, "index", "run", *period, "--date", day.isoformat()], env)
        runs.append(seconds)
        resumed = waiting - _not_resumed(folder)
        print(f"fugong index run --date {day} (new day, {resumed:,} enterprises resume): {seconds:.2f} s, peak {peak:,.0f} MiB"
              f" (load before: {before})")
    print(f"index run --date, new days: median {statistics.median(runs):.2f} s of {', '.join(f'{r:.2f}' for r in runs)}")


if __name__ == "__main__":
    main()
