"""One bad region code in an enterprises file is a rejected row (the rest is stored); codes are
stored without surrounding spaces and with ASCII digits."""

import csv

from fugong.index import store
from fugong.index.ingest import ingest_enterprises

from .conftest import write


def test_a_blank_or_malformed_region_code_rejects_its_row_only(settings_env, tmp_path):
    from fugong.config import get_settings

    settings = get_settings()
    text = ("enterprise_id,region_code,industry_code,size_class,name\n"
            "A,330106 ,3731,large,甲\n"  # trailing space: the code 330106
            "B, ,3731,small,乙\n"  # blank
            "C,33010X,3731,small,丙\n"  # malformed
            "D,３３０１０６,3731,small,丁\n"  # full-width digits
            "E,330106,3731, small ,戊\n")
    summary = ingest_enterprises(settings=settings, path=write(tmp_path, "ent.csv", text))

    assert (summary.rows, summary.accepted, summary.rejected) == (5, 3, 2)
    stored = {r["enterprise_id"]: r for r in store.read_enterprises(settings).to_pylist()}
    assert sorted(stored) == ["A", "D", "E"]
    assert stored["A"]["region_code"] == "330106" and stored["D"]["region_code"] == "330106"
    assert stored["E"]["size_class"] == "small"
    with open(summary.rejects_path, encoding="utf-8") as fh:
        rejects = {r["row"]: (r["field"], r["reason"]) for r in csv.DictReader(fh)}
    assert set(rejects) == {"2", "3"}
    assert all(field == "region_code" and "GB/T 2260" in reason for field, reason in rejects.values())
