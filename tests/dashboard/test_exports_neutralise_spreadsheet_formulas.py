"""Enterprise names from ingested files cannot become formulas in the CSV and XLSX exports
(OWASP CSV injection: a cell starting with = + - @ tab or CR is quoted)."""

import csv
import io
import shutil

import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import load_workbook

from fugong.exports import neutralise

HOSTILE = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\t=1", "\r=1"]


def test_each_formula_start_is_quoted_and_numbers_stay_numbers():
    assert [neutralise(v) for v in HOSTILE] == ["'" + v for v in HOSTILE]
    assert neutralise("永康五金厂") == "永康五金厂" and neutralise(-3.5) == -3.5 and neutralise(None) is None


def test_hostile_enterprise_names_are_text_in_both_exports(served_data, tmp_path, db_url, engine):
    from fastapi.testclient import TestClient

    from fugong.config import load_settings
    from fugong.index import store
    from tests.dashboard.helpers import build_app, log_in, make_user

    data = tmp_path / "data"
    shutil.copytree(served_data, data)
    settings = load_settings({"FUGONG_DATA_DIR": str(data)})
    table = store.read_enterprises(settings)
    in_county = pc.equal(table["region_code"], "330110")
    ids = table.filter(in_county)["enterprise_id"].to_pylist()[: len(HOSTILE)]
    names = {eid: HOSTILE[i] for i, eid in enumerate(ids)}
    column = pa.array([names.get(e, n) for e, n in zip(table["enterprise_id"].to_pylist(), table["name"].to_pylist())], pa.string())
    store.write_enterprises(settings, table.set_column(table.column_names.index("name"), "name", column))
    from fugong.index.compute import Window
    from fugong.index.service import compute_enterprises, read_params

    params, doc = read_params(settings)  # the names reach the exports through the stored results
    compute_enterprises(settings=settings, period=Window.parse(doc["period"]), params=params)
    make_user(engine, "exporter", role="officer", region_prefix="3301")
    with TestClient(build_app(db_url, data)) as client:
        log_in(client, "exporter")
        text = client.get("/explorer.csv?code=330110").content.decode("utf-8-sig")
        book = load_workbook(io.BytesIO(client.get("/explorer.xlsx?code=330110").content))
    exported = {r["enterprise_id"]: r["name"] for r in csv.DictReader(io.StringIO(text))}
    assert {exported[e] for e in ids} == {"'" + v for v in HOSTILE}
    sheet = book["table"]
    header = [c.value for c in sheet[1]]
    cells = {row[header.index("enterprise_id")]: row[header.index("name")] for row in sheet.iter_rows(min_row=2, values_only=True)}
    # XML turns a stored CR into LF when read back; the quote in front is what matters
    assert {cells[e] for e in ids} == {"'" + v.replace("\r", "\n") for v in HOSTILE}
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in cells.values() if v)
