"""`fugong index compute --meters FILE.parquet` with a column twice (two enterprise_id columns, or
meter_id beside enterprise_id) is refused with the same named error as the ingest gives — on the
fast path for clean Parquet files too, which once raised a KeyError traceback."""

import pyarrow as pa
import pyarrow.parquet as pq
from typer.testing import CliRunner

from fugong.index.cli import app

from .conftest import ENTERPRISES_CSV, write


def test_a_parquet_meter_file_with_enterprise_id_twice_is_a_named_error(tmp_path, settings_env):
    import datetime as dt

    table = pa.Table.from_arrays([pa.array(["A"]), pa.array([dt.date(2020, 2, 10)]), pa.array([1.0]), pa.array(["A"])],
                                 names=["enterprise_id", "date", "kwh", "enterprise_id"])
    meters = tmp_path / "twice.parquet"
    pq.write_table(table, meters)
    ents = write(tmp_path, "e.csv", ENTERPRISES_CSV)
    result = CliRunner().invoke(app, [
        "compute", "--meters", str(meters), "--enterprises", str(ents), "--baseline", "2019-12-01:2019-12-31",
        "--period", "2020-02-10:2020-02-10", "--out", str(tmp_path / "out.csv")])
    assert result.exit_code == 1, result.output
    assert "twice.parquet: columns 'enterprise_id' and 'enterprise_id' are the same column" in result.stderr
    assert not (tmp_path / "out.csv").exists()
