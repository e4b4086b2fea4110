"""A reading that differs from the stored one only by floating-point noise (a day summed from 96
interval values vs the daily export) is the same reading: counted as a duplicate, not rejected.
A real difference is still a conflict that goes to the rejects file."""

import csv

from fugong.config import load_settings
from fugong.index import ingest


def _write(path, header, rows):
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_float_noise_is_a_duplicate_and_a_real_difference_a_conflict(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")})
    ingest.ingest_enterprises(settings=settings, path=_write(
        tmp_path / "e.csv", ["enterprise_id", "region_code", "industry_code"], [["E1", "330110", "1713"]]))
    first = _write(tmp_path / "a.csv", ["enterprise_id", "date", "kwh"], [["E1", "2020-02-10", "577.7141320542069"]])
    assert ingest.ingest_readings(settings=settings, path=first).accepted == 1

    noise = _write(tmp_path / "b.csv", ["enterprise_id", "date", "kwh"], [["E1", "2020-02-10", "577.7141320542067"]])
    summary = ingest.ingest_readings(settings=settings, path=noise)
    assert (summary.accepted, summary.rejected, summary.duplicate) == (0, 0, 1)

    real = _write(tmp_path / "c.csv", ["enterprise_id", "date", "kwh"], [["E1", "2020-02-10", "577.72"]])
    summary = ingest.ingest_readings(settings=settings, path=real)
    assert (summary.accepted, summary.rejected) == (0, 1)
    assert "differs from stored value" in summary.rejects_path.read_text(encoding="utf-8")
