"""A meter file that is neither UTF-8 nor GBK/GB18030 (UTF-16 from Excel's "Unicode text", binary
bytes) is refused with an IngestError naming the file, and the store is left as it was."""

import codecs

import pytest

from fugong.index import store
from fugong.index.ingest import IngestError, ingest_readings


def test_a_utf16_meter_file_is_refused_by_name_and_the_store_is_unchanged(index_settings, tmp_path):
    path = tmp_path / "utf16.csv"
    path.write_bytes("enterprise_id,date,kwh\nA,2020-02-10,1\n".encode("utf-16"))
    before = store.snapshot(index_settings).document()
    with pytest.raises(IngestError, match=r"utf16\.csv: neither UTF-8 nor GBK.*UTF-16"):
        ingest_readings(settings=index_settings, path=path)
    assert store.snapshot(index_settings).document() == before


def test_bytes_that_no_chinese_encoding_decodes_are_a_named_error(index_settings, tmp_path):
    path = tmp_path / "noise.csv"
    path.write_bytes(b"enterprise_id,date,kwh\n" + bytes(range(128, 256)) * 4)
    with pytest.raises(IngestError, match=r"noise\.csv: neither UTF-8 nor GBK/GB18030 text at byte"):
        ingest_readings(settings=index_settings, path=path)
    with pytest.raises(IngestError, match=r"noise\.csv: not gb18030 text near data row 1"):
        ingest_readings(settings=index_settings, path=path, encoding="gb18030")
    assert codecs.lookup("gb18030")  # the encoding the refusal names exists
