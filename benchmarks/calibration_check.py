"""Full-scale calibration check: generate the synthetic Zhejiang (scale 1.0) and compute its province
index with fugong's engine; compare with the published days (±0.5, issue 3).

    python benchmarks/calibration_check.py [--scale 1.0] [--seed 20200210] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=20200210)
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()

    import pyarrow.parquet as pq

    from fugong.demo.calibration import CITY_TARGET_DAY, CITY_TARGETS, TARGETS, TOLERANCE
    from fugong.demo.scenario import generate
    from fugong.index.compute import Window
    from fugong.index.service import compute

    folder = args.workdir or Path(tempfile.mkdtemp(prefix="fugong-calibration-"))
    started = time.perf_counter()
    files = generate(out_dir=folder, scale=args.scale, seed=args.seed)
    print(f"generated {files.enterprise_count:,} enterprises, {files.daily_rows:,} daily rows, "
          f"{files.interval_rows:,} interval rows ({files.gamers} gamers) in {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    tables = compute(readings=[files.daily], enterprises=pq.read_table(files.enterprises),
                     period=Window(dt.date(2020, 2, 10), dt.date(2020, 2, 20)), levels=("province", "city"))
    print(f"fugong index computed in {time.perf_counter() - started:.1f}s")
    ok = True
    print(f"{'day':10} {'N':>7} {'target':>7} {'E':>7} {'target':>7} {'R':>7} {'target':>7}")
    for row in tables["province"].to_pylist():
        target = TARGETS.get(row["date"])
        if target is None:
            print(f"{row['date']} {row['resumed_share']:7.2f} {'':7} {row['energy_ratio']:7.2f} {'':7} {row['index']:7.2f}")
            continue
        good = all(abs(a - b) <= TOLERANCE for a, b in [(row["resumed_share"], target.resumed_share),
                   (row["energy_ratio"], target.energy_ratio), (row["index"], target.index)])
        ok &= good
        print(f"{row['date']} {row['resumed_share']:7.2f} {target.resumed_share:7.2f} {row['energy_ratio']:7.2f} "
              f"{target.energy_ratio:7.2f} {row['index']:7.2f} {target.index:7.2f}  {'ok' if good else 'OUT'}")
    for row in tables["city"].to_pylist():
        if row["date"] == CITY_TARGET_DAY and row["code"][:4] in CITY_TARGETS:
            print(f"{row['name']} {row['date']}: R {row['index']:.2f} (published {CITY_TARGETS[row['code'][:4]]})")
    print("calibration:", "within ±0.5 on every published day" if ok else "OUTSIDE ±0.5")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
