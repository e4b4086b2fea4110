"""--tz / --day-tz are checked against the zone database before they reach SQL; file paths with
quotes are read as paths (properly quoted literals)."""

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fugong.index.ingest import IngestError, ingest_readings

from .conftest import write


@pytest.mark.parametrize("zone", ["Mars/Olympus", "UTC'); DROP TABLE bad; --", "../../etc/passwd", ""])
def test_an_unknown_or_hostile_time_zone_is_a_named_error(index_settings, tmp_path, zone):
    path = write(tmp_path, "i.csv", "enterprise_id,timestamp,kwh\nA,2020-02-10 00:00,1\n")
    with pytest.raises(IngestError, match="time zone"):
        ingest_readings(settings=index_settings, path=path, kind="interval", tz=zone)
    with pytest.raises(IngestError, match="time zone"):
        ingest_readings(settings=index_settings, path=path, kind="interval", day_tz=zone)


def test_a_parquet_path_with_a_quote_is_read(index_settings, tmp_path):
    folder = tmp_path / "o'brien's data"
    folder.mkdir()
    path = folder / "it's.parquet"
    pq.write_table(pa.table({"enterprise_id": ["A"], "date": ["2020-02-10"], "kwh": [1.0]}), path)
    assert ingest_readings(settings=index_settings, path=path).accepted == 1
