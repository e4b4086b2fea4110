"""A daily Parquet file of typed columns is checked row by row only for the enterprises whose rows
hold something to reject (``ingest._clean_daily_parquet``); the outcome — stored readings, rejects
file (row, field, value, reason) and summary — is exactly that of checking every row."""

import datetime as dt
import math

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.index import ingest, store


def _file(tmp_path):
    rows = []
    for day in range(1, 20):  # clean enterprises: every day once
        for eid in ("A", "E"):
            rows.append((eid, dt.date(2020, 2, day), 10.0 + day))
    rows += [
        ("B", dt.date(2020, 2, 1), 5.0), ("B", dt.date(2020, 2, 1), 5.0),  # exact duplicate
        ("B", dt.date(2020, 2, 2), 5.0), ("B", dt.date(2020, 2, 2), 6.0),  # conflicting duplicate
        ("B", dt.date(2020, 2, 3), -1.0),  # negative
        ("B", dt.date(2020, 2, 4), 9e9),  # above the small class's bound
        ("F", dt.date(2020, 2, 1), math.nan), ("F", None, 3.0), ("F", dt.date(2020, 2, 2), 4.0),
        ("ZZ", dt.date(2020, 2, 1), 1.0),  # unknown enterprise
        (None, dt.date(2020, 2, 1), 1.0), (" A", dt.date(2020, 2, 25), 1.0),
    ]
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"enterprise_id": [r[0] for r in rows], "date": pa.array([r[1] for r in rows], pa.date32()),
                             "kwh": [r[2] for r in rows]}), path)
    return path


def _outcome(settings, path):
    summary = ingest.ingest_readings(settings=settings, path=path)
    files = [str(p) for p in store.snapshot(settings).files("daily")]
    stored = sorted(duckdb.sql(f"SELECT enterprise_id, CAST(date AS VARCHAR), kwh FROM read_parquet({files})").fetchall())
    lines = summary.rejects_path.read_text(encoding="utf-8").splitlines()[1:] if summary.rejects_path else []
    figures = (summary.rows, summary.accepted, summary.rejected, summary.duplicate)
    return stored, [line.split(",", 1)[1] for line in lines], figures  # the file column names the input


@pytest.mark.parametrize("clean", [False, True], ids=["with-rows-to-reject", "nothing-to-reject"])
def test_the_outcome_equals_checking_every_row(index_settings, tmp_path, monkeypatch, clean):
    from fugong.config import get_settings

    path = _file(tmp_path)
    if clean:  # only the clean enterprises' rows
        pq.write_table(pq.read_table(path).slice(0, 38), path)
    used = []
    real = ingest._clean_daily_parquet
    monkeypatch.setattr(ingest, "_clean_daily_parquet", lambda *a, **k: used.append(real(*a, **k)) or used[-1])
    fast = _outcome(index_settings, path)
    assert used == [True], "the typed file took the aggregate's path"

    # The same file into a fresh store, every row checked.
    monkeypatch.setenv("FUGONG_DATA_DIR", str(tmp_path / "other"))
    get_settings.cache_clear()
    settings = get_settings()
    enterprises = tmp_path / "enterprises.csv"
    enterprises.write_text("enterprise_id,region_code,industry_code,size_class\nA,330102,3731,large\nB,330102,3731,small\n"
                           "E,330106,1711,large\nF,330302,1711,small\n", encoding="utf-8")
    ingest.ingest_enterprises(settings=settings, path=enterprises)
    monkeypatch.setattr(ingest, "_clean_daily_parquet", lambda *a, **k: False)
    assert fast == _outcome(settings, path)

    stored, rejects, (rows, accepted, rejected, duplicate) = fast
    if clean:
        assert (rows, accepted, rejected, duplicate, rejects) == (38, 38, 0, 0, []) and len(stored) == 38
        return
    # Rejected: both rows of the conflicting duplicate, the negative, over-bound and NaN kWh, the
    # missing date, the unknown and the missing enterprise; " A" is A once trimmed.
    assert (rows, rejected, duplicate) == (50, 8, 1) and len(rejects) == 8
    assert accepted == len(stored) == 38 + 3
    assert {("B", "2020-02-01", 5.0), ("F", "2020-02-02", 4.0), ("A", "2020-02-25", 1.0)} <= set(stored)
    assert any("unknown enterprise" in line for line in rejects) and any("conflicting duplicate" in line for line in rejects)
