"""fugong control compute against a hand-written pandas peer, whole process each, on OxCGRT data.

Both read the same tidy indicator file (default: OxCGRT's published indicators for the UK and its
nations, 2020, tests/control/data/oxcgrt/gbr-2020-indicators.csv), compute the four OxCGRT indices and
write a CSV. Each is timed as a separate process (what a user runs), and each result is compared
with OxCGRT's published index values: fugong computes exactly and rounds half to even; the peer does
what a quick script does (float means, ``round(x, 2)`` on the binary double).

    python benchmarks/control_bench.py [--repeat 3] [--copies 10]

``--copies N`` repeats the file N times under other region codes (a larger input, same values).
Prints medians, the ratio, and how many published values each reproduces.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
EXTRACT = HERE.parent / "tests" / "control" / "data" / "oxcgrt"

PEER = r'''
import sys
import pandas as pd
N = {"C1": 3, "C2": 3, "C3": 2, "C4": 4, "C5": 2, "C6": 3, "C7": 2, "C8": 4, "E1": 2, "E2": 2,
     "H1": 2, "H2": 3, "H3": 2, "H6": 4, "H7": 5, "H8": 3}
FLAG = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "E1", "H1", "H6", "H7", "H8"}
C = [f"C{i}" for i in range(1, 9)]
INDICES = {"stringency": (C + ["H1"], 8), "containment_health": (C + ["H1", "H2", "H3", "H6", "H7", "H8"], 13),
           "economic_support": (["E1", "E2"], 2),
           "government_response": (C + ["E1", "E2", "H1", "H2", "H3", "H6", "H7", "H8"], 15)}
df = pd.read_csv(sys.argv[1], dtype={"region_code": str, "date": str})
df["N"] = df["indicator"].map(N)
df["F"] = df["indicator"].isin(FLAG).astype(float)
df["f"] = df["flag"].fillna(0.0)
df["score"] = (100 * (df["value"] - 0.5 * (df["F"] - df["f"])) / df["N"]).where(df["value"] > 0, 0.0)
wide = df.pivot_table(index=["region_code", "date"], columns="indicator", values="score", aggfunc="first")
out = []
for name, (members, required) in INDICES.items():
    block = wide.reindex(columns=members)
    value = block.fillna(0).sum(axis=1) / len(members)
    value[block.notna().sum(axis=1) < required] = float("nan")
    out.append(pd.DataFrame({"region_code": value.index.get_level_values(0), "date": value.index.get_level_values(1),
                             "index": name, "value": value.round(2).values}))
pd.concat(out).to_csv(sys.argv[2], index=False, float_format="%.2f")
'''


def run(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def agreement(path: Path, published: dict) -> tuple[int, int]:
    with path.open(encoding="utf-8") as handle:
        got = {(r["region_code"], r["date"], r["index"]): r["value"] for r in csv.DictReader(handle)}
    keys = [k for k in published if k in got]
    return sum(1 for k in keys if got[k] == published[k]), len(keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--indicators", type=Path, default=EXTRACT / "gbr-2020-indicators.csv")
    parser.add_argument("--published", type=Path, default=EXTRACT / "gbr-2020-published.csv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = args.indicators
        if args.copies > 1:
            source = tmp / "copies.csv"
            lines = args.indicators.read_text(encoding="utf-8").splitlines()
            with source.open("w", encoding="utf-8") as out:
                out.write(lines[0] + "\n")
                for n in range(args.copies):
                    for line in lines[1:]:
                        out.write((f"C{n}_" if n else "") + line + "\n")
        rows = sum(1 for _ in source.open(encoding="utf-8")) - 1
        peer = tmp / "peer.py"
        peer.write_text(PEER, encoding="utf-8")
        fugong = [sys.executable, "-m", "fugong.cli", "control", "compute", "--model", "oxcgrt-v3.6",
                  "--indicators", str(source), "--out", str(tmp / "fugong.csv")]
        pandas = [sys.executable, str(peer), str(source), str(tmp / "pandas.csv")]
        times = {"fugong control compute": [], "pandas (float, round)": []}
        for _ in range(args.repeat):
            times["fugong control compute"].append(run(fugong))
            times["pandas (float, round)"].append(run(pandas))
        with args.published.open(encoding="utf-8") as handle:
            published = {(r["region_code"], r["date"], r["index"]): r["value"] for r in csv.DictReader(handle)}
        print(f"{rows:,} indicator rows, {args.repeat} runs each, load average {os.getloadavg()[0]:.2f}")
        base = statistics.median(times["pandas (float, round)"])
        for (name, values), out in zip(times.items(), ("fugong.csv", "pandas.csv")):
            same, total = agreement(tmp / out, published)
            median = statistics.median(values)
            print(f"  {name:26} median {median:6.2f} s  ×{median / base:5.2f}  published values reproduced {same:,}/{total:,}")


if __name__ == "__main__":
    main()
