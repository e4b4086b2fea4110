"""Benchmark: fugong's index against plain pandas, hand-written Polars and hand-written DuckDB SQL.

    python benchmarks/index_bench.py --enterprises 1000000 --days 30 [--repeat 3]
    python benchmarks/index_bench.py --scenario 1.0            # the synthetic Zhejiang, 333,427 × 183 days
    python benchmarks/index_bench.py --scenario 1.0 --province # stored Parquet → all breakdowns, fugong only
    python benchmarks/index_bench.py --enterprises 3000000 --days 29 --baseline-days 30 \
        --workdir /work/bench-data/e3m --reuse --engines cli,duckdb,polars --repeat 1
                                                               # the CLI a user runs, whole process

Each engine runs in its own subprocess (so ``ru_maxrss`` is its own peak memory) and computes, from
the same Parquet files, the per-(date, county) index: reporting, resumed, N, E and R under the
default definition (B = mean daily kWh over the baseline window on days with a reading; resumed ⇔
kWh ≥ 0.3·B; N = resumed/reporting; E = Σ kWh of resumed / Σ B of reporting; R = 50·(N + E)).
The four results must agree (counts equal, shares within 1e-9 relative). Times include reading
the Parquet files and exclude Python start-up and imports (except for ``cli``, a whole process).
Prints medians and ratios of wall time and of CPU time (user + system; steadier on a shared machine).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ENGINES = ("fugong", "cli", "duckdb", "polars", "pandas")
THETA = 0.3


# --- data ----------------------------------------------------------------------------------------


def make_data(folder: Path, *, enterprises: int, days: int, baseline_days: int = 31, seed: int = 1) -> dict:
    """N enterprises × (baseline_days + days) daily readings over Zhejiang's 90 counties, ~2 % missing."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from fugong.demo.economy import zhejiang_counties

    rng = np.random.default_rng(seed)
    counties = np.array(zhejiang_counties())
    ids = np.char.add("E", np.char.zfill(np.arange(1, enterprises + 1).astype(str), 7))
    county = counties[rng.integers(0, len(counties), enterprises)]
    base = np.exp(rng.normal(7.0, 1.2, enterprises))
    # Size class from the consumption (GB/T size classes bound a reading: see MAX_KWH in index/ingest.py).
    size = np.where(base > 1e5, "large", np.where(base > 1e4, "medium", np.where(base > 1e3, "small", "micro")))
    pq.write_table(
        pa.table({"enterprise_id": ids, "region_code": county, "industry_code": np.full(enterprises, "34"),
                  "size_class": size}),
        folder / "enterprises.parquet",
    )
    baseline_start = dt.date(2019, 12, 1)
    period_start = baseline_start + dt.timedelta(baseline_days)
    total = baseline_days + days
    first = np.datetime64(baseline_start).astype(np.int64)
    schema = pa.schema([("enterprise_id", pa.dictionary(pa.int32(), pa.string())), ("date", pa.date32()), ("kwh", pa.float64())])
    restart = rng.integers(0, days + 10, enterprises)  # period day of restart (some never)
    with pq.ParquetWriter(folder / "daily.parquet", schema, compression="zstd") as writer:
        for start in range(0, enterprises, 50_000):
            n = min(50_000, enterprises - start)
            day = np.arange(total)[None, :]
            level = np.where(day < baseline_days, 1.0, np.where(day - baseline_days >= restart[start:start + n, None], 0.7, 0.1))
            kwh = base[start:start + n, None] * level * np.exp(rng.normal(0, 0.2, (n, total)))
            kwh = np.where(rng.random((n, total)) < 0.05, 0.0, kwh)  # zeros are readings
            keep = rng.random((n, total)) >= 0.02  # missing readings are absent rows
            row = np.broadcast_to(np.arange(n, dtype=np.int32)[:, None], kwh.shape)[keep]
            writer.write_table(pa.table({
                "enterprise_id": pa.DictionaryArray.from_arrays(pa.array(row), pa.array(ids[start:start + n])),
                "date": pa.array(np.broadcast_to((first + np.arange(total)).astype(np.int32)[None, :], kwh.shape)[keep], type=pa.date32()),
                "kwh": pa.array(kwh[keep]),
            }, schema=schema))
    return {
        "baseline": [baseline_start.isoformat(), (period_start - dt.timedelta(1)).isoformat()],
        "period": [period_start.isoformat(), (period_start + dt.timedelta(days - 1)).isoformat()],
    }


def make_scenario(folder: Path, scale: float) -> dict:
    from fugong.demo.scenario import generate

    generate(out_dir=folder, scale=scale)
    return {"baseline": ["2019-10-01", "2019-12-31"], "period": ["2020-01-01", "2020-03-31"]}


# --- the four engines (each run in its own process) ---------------------------------------------


def run_fugong(folder: Path, baseline, period):
    import pyarrow.parquet as pq

    from fugong.index.compute import IndexParams, Window
    from fugong.index.service import compute

    params = IndexParams(baseline=Window(*map(dt.date.fromisoformat, baseline)))
    t = compute(readings=[folder / "daily.parquet"], enterprises=pq.read_table(folder / "enterprises.parquet"),
                period=Window(*map(dt.date.fromisoformat, period)), params=params, levels=("county",))["county"]
    return t.select(["date", "code", "reporting", "resumed", "resumed_share", "energy_ratio", "index"]).rename_columns(
        ["date", "county", "reporting", "resumed", "n", "e", "r"]).to_pandas()


def run_cli(folder: Path, baseline, period):
    """`fugong index compute` as a user runs it: a new process (start-up, imports, validation of the
    file, the index, the CSV written); its wall time is what the benchmark reports."""
    import pandas as pd

    out = folder / "result-cli.csv"
    command = [str(Path(sys.executable).parent / "fugong"), "index", "compute", "--meters", str(folder / "daily.parquet"),
               "--enterprises", str(folder / "enterprises.parquet"), "--baseline", ":".join(baseline),
               "--period", ":".join(period), "--by", "county", "--out", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(done.stderr[-2000:])
    t = pd.read_csv(out, dtype={"code": str}, parse_dates=["date"])
    t["date"] = t["date"].dt.date
    return t[["date", "code", "reporting", "resumed", "resumed_share", "energy_ratio", "index"]].set_axis(
        ["date", "county", "reporting", "resumed", "n", "e", "r"], axis=1)


def run_duckdb(folder: Path, baseline, period):
    import duckdb

    con = duckdb.connect()
    return con.execute(
        f"""
        WITH r AS (SELECT * FROM read_parquet('{folder / "daily.parquet"}')),
        b AS (SELECT enterprise_id, avg(kwh) AS b FROM r WHERE date BETWEEN ? AND ? GROUP BY 1 HAVING avg(kwh) > 0),
        d AS (SELECT r.date, e.region_code AS county, r.kwh, b.b, (r.kwh >= CAST({THETA} AS DOUBLE) * b.b) AS res
              FROM r JOIN b USING (enterprise_id) JOIN read_parquet('{folder / "enterprises.parquet"}') e USING (enterprise_id)
              WHERE r.date BETWEEN ? AND ?)
        SELECT date, county, count(*) AS reporting, count(*) FILTER (WHERE res) AS resumed,
               100 * count(*) FILTER (WHERE res) / count(*) AS n,
               100 * coalesce(sum(kwh) FILTER (WHERE res), 0) / sum(b) AS e
        FROM d GROUP BY ALL
        """,
        [*baseline, *period],
    ).df().assign(r=lambda x: 0.5 * x.n + 0.5 * x.e)


def run_polars(folder: Path, baseline, period):
    import polars as pl

    b0, b1, p0, p1 = (dt.date.fromisoformat(x) for x in (*baseline, *period))
    r = pl.scan_parquet(folder / "daily.parquet").with_columns(pl.col("enterprise_id").cast(pl.String))
    e = pl.scan_parquet(folder / "enterprises.parquet").select("enterprise_id", pl.col("region_code").alias("county"))
    b = (r.filter(pl.col("date").is_between(b0, b1)).group_by("enterprise_id").agg(b=pl.col("kwh").mean())
         .filter(pl.col("b") > 0))
    d = (r.filter(pl.col("date").is_between(p0, p1)).join(b, on="enterprise_id").join(e, on="enterprise_id")
         .with_columns(res=pl.col("kwh") >= THETA * pl.col("b")))
    out = d.group_by("date", "county").agg(
        reporting=pl.len(), resumed=pl.col("res").sum(),
        rkwh=pl.when(pl.col("res")).then(pl.col("kwh")).otherwise(0.0).sum(), bsum=pl.col("b").sum(),
    ).with_columns(n=100 * pl.col("resumed") / pl.col("reporting"), e=100 * pl.col("rkwh") / pl.col("bsum"))
    out = out.with_columns(r=0.5 * pl.col("n") + 0.5 * pl.col("e")).select("date", "county", "reporting", "resumed", "n", "e", "r")
    return out.collect().to_pandas()


def run_pandas(folder: Path, baseline, period):
    import pandas as pd

    r = pd.read_parquet(folder / "daily.parquet")
    r["enterprise_id"] = r["enterprise_id"].astype(str)
    r["date"] = pd.to_datetime(r["date"])
    e = pd.read_parquet(folder / "enterprises.parquet", columns=["enterprise_id", "region_code"]).rename(columns={"region_code": "county"})
    in_base = r["date"].between(pd.Timestamp(baseline[0]), pd.Timestamp(baseline[1]))
    b = r[in_base].groupby("enterprise_id")["kwh"].mean().rename("b")
    b = b[b > 0]
    d = r[r["date"].between(pd.Timestamp(period[0]), pd.Timestamp(period[1]))].join(b, on="enterprise_id", how="inner")
    d = d.merge(e, on="enterprise_id")
    d["res"] = d["kwh"] >= THETA * d["b"]
    d["rkwh"] = d["kwh"].where(d["res"], 0.0)
    g = d.groupby(["date", "county"]).agg(reporting=("kwh", "size"), resumed=("res", "sum"), rkwh=("rkwh", "sum"), bsum=("b", "sum"))
    g = g.reset_index()
    g["n"] = 100 * g["resumed"] / g["reporting"]
    g["e"] = 100 * g["rkwh"] / g["bsum"]
    g["r"] = 0.5 * g["n"] + 0.5 * g["e"]
    g["date"] = g["date"].dt.date
    return g[["date", "county", "reporting", "resumed", "n", "e", "r"]]


def run_province(folder: Path, baseline, period):
    """fugong: stored Parquet → every breakdown (province … size) → result files."""
    import pyarrow.parquet as pq

    from fugong.index.compute import LEVELS, IndexParams, Window
    from fugong.index.service import compute, write_table

    params = IndexParams(baseline=Window(*map(dt.date.fromisoformat, baseline)))
    tables = compute(readings=[folder / "daily.parquet"], enterprises=pq.read_table(folder / "enterprises.parquet"),
                     period=Window(*map(dt.date.fromisoformat, period)), params=params, levels=LEVELS)
    for level, table in tables.items():
        write_table(table, folder / "results" / f"{level}.parquet")
    return None


RUNNERS = {"fugong": run_fugong, "cli": run_cli, "duckdb": run_duckdb, "polars": run_polars, "pandas": run_pandas, "province": run_province}


def child(engine: str, folder: Path, spec: dict, repeat: int) -> None:
    """In the subprocess: warm imports, run ``repeat`` times, save the last result, print JSON."""
    import importlib

    for module in {"fugong": ["ibis", "pyarrow.parquet", "fugong.index.service"], "province": ["ibis", "fugong.index.service"],
                   "cli": ["pandas"],
                   "duckdb": ["duckdb"], "polars": ["polars"], "pandas": ["pandas", "pyarrow"]}[engine]:
        importlib.import_module(module)
    seconds, cpu = [], []
    result = None
    # CPU seconds (user + system) beside the wall time: on a shared machine the wall time of each
    # engine depends on what else runs at that moment, its CPU time much less. The CLI's are those of
    # its own process (a child of this one).
    who = resource.RUSAGE_CHILDREN if engine == "cli" else resource.RUSAGE_SELF

    def used() -> float:
        usage = resource.getrusage(who)
        return usage.ru_utime + usage.ru_stime

    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), used()
        result = RUNNERS[engine](folder, spec["baseline"], spec["period"])
        seconds.append(time.perf_counter() - started)
        cpu.append(used() - cpu_started)
    if result is not None:
        result.sort_values(["date", "county"]).reset_index(drop=True).to_parquet(folder / f"result-{engine}.parquet")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB → MiB on Linux
    if engine == "cli":  # the CLI's own process, not this one's
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"engine": engine, "seconds": seconds, "cpu_seconds": cpu, "peak_mib": peak}))


def agree(folder: Path, engines) -> list[str]:
    """Differences between each engine's result and the first one's (empty list: all agree)."""
    import numpy as np
    import pandas as pd

    ref = pd.read_parquet(folder / f"result-{engines[0]}.parquet")
    problems = []
    for engine in engines[1:]:
        other = pd.read_parquet(folder / f"result-{engine}.parquet")
        if len(other) != len(ref):
            problems.append(f"{engine}: {len(other)} rows, {engines[0]}: {len(ref)}")
            continue
        for col in ("reporting", "resumed"):
            if not (other[col].astype("int64").to_numpy() == ref[col].astype("int64").to_numpy()).all():
                problems.append(f"{engine}: {col} differs")
        for col in ("n", "e", "r"):
            a, b = ref[col].to_numpy(float), other[col].to_numpy(float)
            worst = np.nanmax(np.abs(a - b) / np.maximum(np.abs(a), 1e-300)) if len(a) else 0.0
            if worst > 1e-9:
                problems.append(f"{engine}: {col} differs by {worst:.2e} relative")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--enterprises", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=30, help="period days (a 31-day baseline window comes before)")
    ap.add_argument("--baseline-days", type=int, default=31, help="days of the baseline window")
    ap.add_argument("--reuse", action="store_true", help="keep the data already in --workdir (generate it once)")
    ap.add_argument("--scenario", type=float, default=None, help="use the synthetic Zhejiang at this scale instead")
    ap.add_argument("--province", action="store_true", help="time fugong's all-breakdowns path only")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--workdir", type=Path, default=None, help="keep the data here (default: a temp folder)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--spec", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.workdir, json.loads(args.spec), args.repeat)
        return

    tmp = None
    if args.workdir is None:
        tmp = tempfile.TemporaryDirectory(prefix="fugong-bench-")
        args.workdir = Path(tmp.name)
    args.workdir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    spec_file = args.workdir / "spec.json"
    if args.reuse and spec_file.exists() and (args.workdir / "daily.parquet").exists():
        spec = json.loads(spec_file.read_text())
    elif args.scenario is not None:
        spec = make_scenario(args.workdir, args.scenario)
    else:
        spec = make_data(args.workdir, enterprises=args.enterprises, days=args.days, baseline_days=args.baseline_days)
    spec_file.write_text(json.dumps(spec))
    rows = __import__("pyarrow.parquet").parquet.ParquetFile(args.workdir / "daily.parquet").metadata.num_rows
    print(f"data: {rows:,} daily rows in {time.perf_counter() - started:.1f}s; baseline {spec['baseline']}, period {spec['period']}")

    engines = ["province"] if args.province else args.engines.split(",")
    stats = {}
    for engine in engines:
        out = subprocess.run(
            [sys.executable, __file__, "--child", engine, "--workdir", str(args.workdir), "--spec", json.dumps(spec),
             "--repeat", str(args.repeat)],
            capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if out.returncode:
            print(f"{engine} failed:\n{out.stderr[-3000:]}")
            continue
        stats[engine] = json.loads(out.stdout.strip().splitlines()[-1])
    hand = [e for e in ("duckdb", "polars") if e in stats]
    fastest_hand = min(hand, key=lambda e: statistics.median(stats[e]["seconds"])) if hand else None
    cpu_hand = min(hand, key=lambda e: statistics.median(stats[e]["cpu_seconds"])) if hand else None
    print(f"{'engine':10} {'median s':>9} {'runs':>24} {'peak MiB':>9} {'vs fastest':>11} {'vs pandas':>10} "
          f"{'median CPU s':>13} {'CPU vs fastest':>15}")
    for engine, s in stats.items():
        med = statistics.median(s["seconds"])
        vs_fast = med / statistics.median(stats[fastest_hand]["seconds"]) if fastest_hand else float("nan")
        vs_pandas = med / statistics.median(stats["pandas"]["seconds"]) if "pandas" in stats else float("nan")
        runs = ", ".join(f"{x:.2f}" for x in s["seconds"])
        cpu_med = statistics.median(s["cpu_seconds"])
        cpu_vs = cpu_med / statistics.median(stats[cpu_hand]["cpu_seconds"]) if cpu_hand else float("nan")
        print(f"{engine:10} {med:9.2f} {runs:>24} {s['peak_mib']:9.0f} {vs_fast:10.2f}x {vs_pandas:9.2f}x "
              f"{cpu_med:13.2f} {cpu_vs:14.2f}x")
    if fastest_hand:
        print(f"(fastest hand-written engine: {fastest_hand} by wall time, {cpu_hand} by CPU time)")
    compared = [e for e in ENGINES if e in stats]
    if len(compared) > 1:
        problems = agree(args.workdir, compared)
        print("agreement:", "all engines agree (counts equal, N/E/R within 1e-9 relative)" if not problems else "; ".join(problems))
        if problems:
            sys.exit(1)
    print(f"machine load (uptime): {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
