"""`fugong index compute` validates inside DuckDB: a clean typed Parquet file is proven clean by one
aggregate and read in place (no copy); any file with something to reject gives the same reasons,
rejects file, summary and results as the same rows in CSV."""

import csv
import datetime as dt

import pyarrow as pa
import pytest
import pyarrow.parquet as pq

from fugong.index.ingest import _connect, readings_in_engine

ENTERPRISES = pa.table({"enterprise_id": ["A", "B", "E"], "region_code": ["330102", "330102", "330106"],
                        "industry_code": ["3731", "3731", "1711"], "size_class": ["large", "small", "small"]})


def _rows(extra=()):
    rows = [(e, dt.date(2020, 2, d), 10.0 * d + i) for i, e in enumerate("ABE") for d in range(1, 20)]
    return rows + list(extra)


def _files(tmp_path, rows, name):
    parquet = tmp_path / f"{name}.parquet"
    pq.write_table(pa.table({"enterprise_id": [r[0] for r in rows], "date": pa.array([r[1] for r in rows], pa.date32()),
                             "kwh": pa.array([r[2] for r in rows], pa.float64())}), parquet)
    text = tmp_path / f"{name}.csv"
    text.write_text("enterprise_id,date,kwh\n" + "".join(f"{e},{'' if d is None else d.isoformat()},{'' if k is None else repr(k)}\n"
                                                     for e, d, k in rows), encoding="utf-8")
    return parquet, text


def _run(path, tmp_path):
    con = _connect()
    name, (summary,), _ = readings_in_engine([path], con=con, known_ids=ENTERPRISES, rejects=tmp_path / f"{path.name}.rejects.csv")
    readings = sorted(con.execute(f"SELECT enterprise_id, date, kwh FROM {name}").fetchall())
    rejects = []
    if summary.rejects_path:
        with open(summary.rejects_path, encoding="utf-8") as fh:
            rejects = [(r["row"], r["field"], r["value"], r["reason"]) for r in csv.DictReader(fh)]
    counts = (summary.rows, summary.accepted, summary.rejected, summary.duplicate)
    return name, readings, rejects, counts


def test_a_clean_parquet_file_is_read_in_place_with_the_results_of_the_full_validation(tmp_path):
    parquet, text = _files(tmp_path, _rows(), "clean")
    fast, slow = _run(parquet, tmp_path), _run(text, tmp_path)
    assert fast[0] == "fugong_readings" and "clean_parquet" in _view_sql(parquet, tmp_path)
    assert fast[1:] == slow[1:]
    assert fast[3] == (57, 57, 0, 0)


def test_a_parquet_file_with_anything_to_reject_gives_the_reasons_of_the_csv(tmp_path):
    bad = [("A", dt.date(2020, 2, 1), 10.0),  # exact duplicate of A's first day
           ("B", dt.date(2020, 2, 2), 99.0),  # conflicting duplicate
           ("X", dt.date(2020, 2, 2), 5.0),  # unknown enterprise
           ("E", dt.date(2020, 2, 25), -1.0),  # negative
           ("E", dt.date(2020, 2, 26), float("nan")),
           ("B", dt.date(2020, 2, 27), 6e5),  # above the small-class bound
           ("E", dt.date(2020, 2, 28), float("inf"))]
    parquet, text = _files(tmp_path, _rows(bad), "dirty")
    fast, slow = _run(parquet, tmp_path), _run(text, tmp_path)
    reasons = {r[3].split(" ")[0] for r in fast[2]}
    assert {"conflicting", "unknown", "negative", "non-numeric", "implausible"} <= reasons
    assert [r[:2] + r[3:] for r in fast[2]] == [r[:2] + r[3:] for r in slow[2]]
    assert fast[1] == slow[1] and fast[3] == slow[3]


@pytest.mark.parametrize("row, caught", [
    (("A", dt.date(2020, 2, 25), None), 1),  # missing kWh
    (("A", dt.date(2020, 2, 25), float("nan")), 1),
    (("A", dt.date(2020, 2, 25), float("inf")), 1),
    (("A", dt.date(2020, 2, 25), float("-inf")), 1),
    (("A", dt.date(2020, 2, 25), -0.5), 1),
    (("B", dt.date(2020, 2, 25), 6e5), 1),  # above the small-class bound (not the large class's)
    (("A", None, 5.0), 1),  # missing date
    (("A", dt.date(2020, 2, 3), 30.0), 1),  # the same day again, same value: a duplicate
    (("X", dt.date(2020, 2, 25), 5.0), 1),  # unknown enterprise
    ((" A", dt.date(2020, 2, 25), 5.0), 0),  # surrounding space: the full check trims it and keeps the row
], ids=["missing-kwh", "nan", "inf", "minus-inf", "negative", "above-bound", "missing-date", "repeated-day", "unknown", "spaces"])
def test_one_row_to_reject_alone_sends_the_file_to_the_full_check(tmp_path, row, caught):
    # The in-place check folds every kWh test into one max(); each kind of row, alone in a file, must
    # still be caught there and handed to the full check, which counts it as it counts the CSV's.
    parquet, text = _files(tmp_path, _rows([row]), "one")
    fast, slow = _run(parquet, tmp_path), _run(text, tmp_path)
    assert "clean_parquet" not in _view_sql(parquet, tmp_path)
    assert fast[1] == slow[1] and fast[3] == slow[3]
    assert [r[:2] for r in fast[2]] == [r[:2] for r in slow[2]]  # a typed date is "missing", a text one "bad"
    assert fast[3][2] + fast[3][3] == caught  # rejected + duplicate


def _view_sql(parquet, tmp_path):
    con = _connect()
    readings_in_engine([parquet], con=con, known_ids=ENTERPRISES)
    return con.execute("SELECT sql FROM duckdb_views() WHERE view_name = 'fugong_readings'").fetchone()[0]


def test_a_file_spanning_several_months_is_checked_for_repeated_days(tmp_path):
    import datetime as dt

    days = [dt.date(2019, 10, 1) + dt.timedelta(days=n) for n in range(183)]  # three 62-day words
    rows = [(e, d, 50.0) for e in "AB" for d in days]
    parquet, _text = _files(tmp_path, rows, "long")
    assert _run(parquet, tmp_path)[3] == (366, 366, 0, 0)
    again, _ = _files(tmp_path, rows + [("A", days[150], 50.0)], "again")
    assert _run(again, tmp_path)[3] == (367, 366, 0, 1)
