"""Synthetic enterprises carry valid identifiers and say they are synthetic."""

from __future__ import annotations

import pyarrow.parquet as pq
from stdnum.cn import uscc as stdnum_uscc

from fugong.demo.scenario import uscc_codes
from fugong.reference import uscc


def test_every_uscc_is_valid_by_python_stdnum_and_by_fugong(scenario):
    table = pq.read_table(scenario.enterprises).to_pylist()
    codes = [row["uscc"] for row in table]
    assert len(set(codes)) == len(codes)
    assert all(stdnum_uscc.is_valid(code) for code in codes)
    assert all(uscc.is_valid(code) for code in codes)
    assert all(code[2:8] == row["region_code"] for code, row in zip(codes, table))


def test_the_check_character_matches_fugongs_reference_implementation():
    import numpy as np

    codes = uscc_codes(np.array(["330302"] * 200), np.arange(200), 12345)
    assert all(uscc.check_character(code[:17]) == code[17] for code in codes)


def test_names_and_ids_are_labelled_synthetic(scenario):
    table = pq.read_table(scenario.enterprises, columns=["enterprise_id", "name", "size_class"])
    assert all(name.startswith("合成企业") for name in table["name"].to_pylist())
    assert table["enterprise_id"][0].as_py() == "E0000001"
    assert set(table["size_class"].to_pylist()) == {"large", "medium", "small", "micro"}
