"""The header of a meter file ends where the CSV reader ends a line — at \\n, \\r\\n or a lone \\r
(old Mac exports) — so the names read are the columns the rows are read under; a header cut by a
stray \\r is a named error (the first row has more fields than the header), never a csv.Error
traceback."""

import pytest

from fugong.index.ingest import IngestError, ingest_readings

from .conftest import write


def test_a_file_whose_lines_end_in_lone_carriage_returns_is_read(index_settings, tmp_path):
    path = write(tmp_path, "mac.csv", "enterprise_id,date,kwh\rA,2020-02-10,1\rB,2020-02-10,2\r")
    summary = ingest_readings(settings=index_settings, path=path)
    assert (summary.rows, summary.accepted, summary.rejected) == (2, 2, 0)


def test_a_stray_carriage_return_inside_the_header_is_a_named_error(index_settings, tmp_path):
    path = write(tmp_path, "cr.csv", "enterprise_id\r,date,kwh\r\nA,2020-02-10,1\r\n")
    with pytest.raises(IngestError, match=r"cr\.csv: not a readable CSV near data row 1: .*Expected 1 columns, got 3"):
        ingest_readings(settings=index_settings, path=path)
