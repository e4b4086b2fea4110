"""CSV and XLSX exports hold exactly the rows the explorer shows (the same service call)."""

import csv
import io

from openpyxl import load_workbook


def test_the_csv_has_the_rows_of_the_table(client_for):
    client = client_for("province_admin", "33")
    shown = client.get("/explorer.json?code=330100").json()["table"]["rows"]
    response = client.get("/explorer.csv?code=330100")
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    exported = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["code"] for r in exported] == [r["code"] for r in shown]
    assert [float(r["index"]) for r in exported] == [r["index"] for r in shown]


def test_the_series_csv_has_every_day_of_every_series(client_for):
    client = client_for("province_admin", "33")
    query = "series=county:330110&series=size:large"
    series = client.get(f"/explorer.json?{query}").json()["series"]
    exported = list(csv.DictReader(io.StringIO(client.get(f"/explorer.csv?part=series&{query}").content.decode("utf-8-sig"))))
    assert len(exported) == sum(len(s["rows"]) for s in series)
    assert {r["series"] for r in exported} == {"county:330110", "size:large"}


def test_the_workbook_has_the_table_and_the_series(client_for):
    client = client_for("officer", "3301")
    shown = client.get("/explorer.json?code=330100").json()
    book = load_workbook(io.BytesIO(client.get("/explorer.xlsx?code=330100").content))
    table = list(book["table"].values)
    assert table[0][2] == "code" and [row[2] for row in table[1:]] == [r["code"] for r in shown["table"]["rows"]]
    assert len(list(book["series"].values)) - 1 == sum(len(s["rows"]) for s in shown["series"])
