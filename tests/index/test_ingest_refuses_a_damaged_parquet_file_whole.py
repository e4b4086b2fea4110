"""A damaged Parquet file (one byte flipped: thrift, pages, strings that are not UTF-8, values its own
statistics deny) is refused whole with an IngestError naming it — never a DuckDB or pyarrow
traceback — and the store is left as it was. (The byte positions are ones that crashed each reader
before; tests/hostile flips many more.)"""

import datetime as dt
import io

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.index import store
from fugong.index.ingest import IngestError, ingest_enterprises, ingest_readings


def _flipped(table, at: int, tmp_path, name: str):
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    data = buffer.getvalue()
    path = tmp_path / f"{name}-{at}.parquet"
    path.write_bytes(data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:])
    return path


@pytest.mark.parametrize("at", [4, 9, 24, 66, 88, 277, 437])
def test_a_damaged_parquet_meter_file_is_refused_by_name_and_the_store_is_unchanged(index_settings, tmp_path, at):
    table = pa.table({"enterprise_id": ["A", "B"], "date": [dt.date(2020, 2, 10)] * 2, "kwh": [1.5, 2.0]})
    path = _flipped(table, at, tmp_path, "meters")
    before = store.snapshot(index_settings).document()
    with pytest.raises(IngestError, match=rf"meters-{at}\.parquet: (cannot read this|not a readable) Parquet file"):
        ingest_readings(settings=index_settings, path=path)
    assert store.snapshot(index_settings).document() == before


@pytest.mark.parametrize("at", [24, 95, 263])
def test_an_enterprise_parquet_file_with_damaged_strings_is_refused_by_name(index_settings, tmp_path, at):
    table = pa.table({"enterprise_id": ["G1", "G2"], "region_code": ["330106", "330203"], "industry_code": ["3731", "C"]})
    path = _flipped(table, at, tmp_path, "enterprises")
    before = store.snapshot(index_settings).document()
    with pytest.raises(IngestError, match=rf"enterprises-{at}\.parquet: (cannot read this|not a readable) Parquet file"):
        ingest_enterprises(settings=index_settings, path=path)
    assert store.snapshot(index_settings).document() == before


def _sign_flipped(tmp_path):
    """A typed daily file whose data page holds kWh -2.0 where its statistics say 1.5..2.0."""
    import struct

    import duckdb

    table = pa.table({"enterprise_id": ["A", "B"], "date": [dt.date(2020, 2, 10)] * 2, "kwh": [1.5, 2.0]})
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none", use_dictionary=False)
    data = buffer.getvalue()
    needle = struct.pack("<d", 2.0)
    path = tmp_path / "signed.parquet"
    for at in (i for i in range(len(data)) if data[i:i + 8] == needle):  # statistics, then the value itself
        path.write_bytes(data[:at + 7] + bytes([data[at + 7] ^ 0x80]) + data[at + 8:])
        if duckdb.sql(f"SELECT list(kwh) FROM read_parquet('{path}')").fetchone()[0] == [1.5, -2.0]:
            break
    else:
        pytest.fail("no byte of the data page holds the value")
    assert duckdb.sql(f"SELECT min(kwh) FROM read_parquet('{path}')").fetchone()[0] == 1.5  # the statistics deny it
    return path


DENIED = r"signed\.parquet: cannot read this Parquet file \(damaged\): record 2 holds values"


def test_a_negative_kwh_its_statistics_deny_is_refused_on_the_fast_path(index_settings, tmp_path):
    """The sign bit of a kWh flipped in the data page, the column statistics still saying 1.5..2.0:
    DuckDB folds ``kwh >= 0`` away under those statistics; the file is refused by name all the same."""
    path = _sign_flipped(tmp_path)
    before = store.snapshot(index_settings).document()
    with pytest.raises(IngestError, match=DENIED):
        ingest_readings(settings=index_settings, path=path)
    assert store.snapshot(index_settings).document() == before


def test_a_negative_kwh_its_statistics_deny_is_refused_by_the_stateless_compute_too(tmp_path):
    from fugong.index.ingest import read_readings_for_compute

    path = _sign_flipped(tmp_path)
    with pytest.raises(IngestError, match=DENIED):
        read_readings_for_compute([path], known_ids=pa.table({"enterprise_id": ["A", "B"], "size_class": ["large", "small"]}))
