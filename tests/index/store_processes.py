"""Helpers of the store concurrency tests: run tests/index/store_driver.py in real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[2]


def spawn(*args, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.index.store_driver", *map(str, args)], cwd=REPO,
                            env={**os.environ, **(env or {})}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 180) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"exit {process.returncode}: {err[-3000:]}"
    return out


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        if process.poll() is not None:
            raise AssertionError(f"the driver ended before {path.name}: {process.stderr.read()[-3000:]}")
        assert time.monotonic() < deadline, f"{path} did not appear"
        time.sleep(0.05)


def stored_rows(settings) -> list[tuple]:
    """Every stored daily reading (enterprise_id, date, kwh), sorted; fails if a listed file is gone."""
    from fugong.index import store

    return sorted((r["enterprise_id"], r["date"].isoformat(), r["kwh"])
                  for f in store.daily_files(settings) for r in pq.read_table(f).to_pylist())
