"""Two loads of files with the same name in the same second keep both rejects files; a huge bad
value is cut in the rejects file (and says how long it was)."""

import csv

from fugong.index.ingest import ingest_readings

from .conftest import write


def test_two_loads_of_the_same_name_keep_both_rejects_files(index_settings, tmp_path):
    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir()
    first = ingest_readings(settings=index_settings, path=write(tmp_path / "a", "day.csv", "enterprise_id,date,kwh\nX,2020-02-10,1\n"))
    second = ingest_readings(settings=index_settings, path=write(tmp_path / "b", "day.csv", "enterprise_id,date,kwh\nY,2020-02-10,1\n"))
    assert first.rejects_path != second.rejects_path
    assert first.rejects_path.exists() and second.rejects_path.exists()


def test_a_huge_bad_value_is_cut_in_the_rejects_file(index_settings, tmp_path):
    huge = "9" * 100_000 + "x"
    summary = ingest_readings(settings=index_settings, path=write(tmp_path, "h.csv", f"enterprise_id,date,kwh\nA,2020-02-10,{huge}\n"))
    with open(summary.rejects_path, encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert len(row["value"]) < 300 and row["value"].endswith("(100,001 characters)")
