"""Parquet store of meter readings and enterprises, with atomic commits.

Layout under ``settings.parquet_dir``::

    enterprises/enterprises.parquet                 enterprise_id, region_code, industry_code,
                                                    size_class, name, uscc
    meters/daily/_manifest.json                     {"files": ["month=2020-02/part-<id>.parquet", …]}
    meters/daily/month=YYYY-MM/part-<id>.parquet    enterprise_id, date, kwh, source (daily|interval)
    meters/interval_days/_manifest.json
    meters/interval_days/month=YYYY-MM/part-<id>.parquet
                                                    enterprise_id, date, kwh, intervals, expected,
                                                    completeness, peak, mean, night_day_ratio, flatness

A dataset is the set of files its manifest lists. A commit writes the new partition files under
fresh names (invisible until listed), then replaces the manifest in one ``os.replace`` (atomic on
POSIX), then deletes the files it superseded. A crash before the rename leaves the store exactly as
it was (only unlisted files remain, removed by the next commit).
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path

DAILY = "meters/daily"
INTERVAL_DAYS = "meters/interval_days"
ENTERPRISES = "enterprises/enterprises.parquet"


def daily_root(settings) -> Path:
    return Path(settings.parquet_dir) / DAILY


def interval_root(settings) -> Path:
    return Path(settings.parquet_dir) / INTERVAL_DAYS


def enterprises_path(settings) -> Path:
    return Path(settings.parquet_dir) / ENTERPRISES


class Dataset:
    """A month-partitioned Parquet dataset with a manifest of live files."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.manifest = self.root / "_manifest.json"

    def listed(self) -> list[str]:
        if not self.manifest.exists():
            return []
        return json.loads(self.manifest.read_text(encoding="utf-8"))["files"]

    def files(self, months: set[str] | None = None) -> list[Path]:
        """Live files, optionally only those of some months ('2020-02')."""
        out = []
        for rel in self.listed():
            month = rel.split("/")[0].removeprefix("month=")
            if months is None or month in months:
                out.append(self.root / rel)
        return out

    def months(self) -> set[str]:
        return {rel.split("/")[0].removeprefix("month=") for rel in self.listed()}

    def write_part(self, month: str, table) -> str:
        """Write one new (not yet listed) part file; returns its path relative to the root."""
        import pyarrow.parquet as pq

        folder = self.root / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        rel = f"month={month}/part-{uuid.uuid4().hex}.parquet"
        pq.write_table(table, self.root / rel, compression="zstd", row_group_size=1_000_000)
        return rel

    def write_months(self, con, query: str) -> list[str]:
        """Write the rows of ``query`` (a DuckDB query with an integer ``month`` column YYYYMM) as new,
        not yet listed part files, one streamed COPY for every month; returns their relative paths.
        (An integer key partitions faster than a 'YYYY-MM' string made for every row.)"""
        staging = self.root / f".staging-{uuid.uuid4().hex}"
        self.root.mkdir(parents=True, exist_ok=True)
        try:
            con.execute(f"""COPY ({query}) TO '{staging}' (FORMAT PARQUET, PARTITION_BY (month), COMPRESSION zstd,
                            ROW_GROUP_SIZE 1000000)""")
            added = []
            for path in sorted(staging.glob("month=*/*.parquet")):
                number = path.parent.name.removeprefix("month=")
                month = f"{number[:4]}-{number[4:6]}"
                (self.root / f"month={month}").mkdir(parents=True, exist_ok=True)
                rel = f"month={month}/part-{uuid.uuid4().hex}.parquet"
                os.replace(path, self.root / rel)
                added.append(rel)
            return added
        finally:
            import shutil

            shutil.rmtree(staging, ignore_errors=True)

    def commit(self, *, added: list[str], replaced_months: set[str]) -> None:
        """Make ``added`` live and drop the files of ``replaced_months``, in one atomic rename."""
        before = self.listed()
        keep = [rel for rel in before if rel.split("/")[0].removeprefix("month=") not in replaced_months]
        tmp = self.root / f"._manifest-{uuid.uuid4().hex}.tmp"
        tmp.write_text(json.dumps({"files": sorted(keep + added)}, indent=0), encoding="utf-8")
        before_commit()  # tests inject a crash here
        os.replace(tmp, self.manifest)
        self._collect_garbage()

    def _collect_garbage(self) -> None:
        live = set(self.listed())
        for path in self.root.glob("month=*/part-*.parquet"):
            if path.relative_to(self.root).as_posix() not in live:
                path.unlink(missing_ok=True)
        for path in self.root.glob("._manifest-*.tmp"):
            path.unlink(missing_ok=True)


def before_commit() -> None:
    """Hook called just before a manifest is replaced (a test makes it raise to simulate a crash)."""


def daily_files(settings) -> list[Path]:
    return Dataset(daily_root(settings)).files()


def read_enterprises(settings):
    """The stored enterprises as a pyarrow table (FileNotFoundError with advice if none)."""
    import pyarrow.parquet as pq

    path = enterprises_path(settings)
    if not path.exists():
        raise FileNotFoundError(f"no enterprises in {path}: run `fugong index ingest enterprises FILE` first")
    return pq.read_table(path)


def write_enterprises(settings, table) -> None:
    """Replace the enterprises file atomically."""
    import pyarrow.parquet as pq

    path = enterprises_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".enterprises-{uuid.uuid4().hex}.tmp")
    pq.write_table(table, tmp)
    before_commit()
    os.replace(tmp, path)
