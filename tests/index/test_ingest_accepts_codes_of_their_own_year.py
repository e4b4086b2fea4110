"""Enterprises keep the region codes of their time: February 2020 data names 330103 下城区, which the
2021 redistricting abolished. Ingest accepts a code known to any shipped GB/T 2260 vintage, rejects
one known to none, and results carry the 2020 name."""

import csv

from fugong.config import load_settings
from fugong.index import ingest
from fugong.index.attributes import region_name


def test_a_2020_code_abolished_in_2021_is_accepted_and_an_unknown_one_rejected(tmp_path):
    path = tmp_path / "enterprises.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["enterprise_id", "region_code", "industry_code"])
        writer.writerow(["E1", "330103", "1713"])  # 下城区, 2020 only
        writer.writerow(["E2", "330113", "1713"])  # 临平区, 2021 only
        writer.writerow(["E3", "339999", "1713"])  # no such county
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")})
    summary = ingest.ingest_enterprises(settings=settings, path=path)
    assert (summary.accepted, summary.rejected) == (2, 1)
    rejects = summary.rejects_path.read_text(encoding="utf-8")
    assert "339999" in rejects and "region_code" in rejects and "330103" not in rejects


def test_results_name_a_2020_county_by_its_2020_name():
    assert region_name("330103") == "下城区"
    assert region_name("330113") == "临平区"
