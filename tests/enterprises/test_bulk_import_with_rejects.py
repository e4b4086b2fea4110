"""Bulk import from CSV (UTF-8 or GBK) and XLSX: bad rows go to a rejects file naming row and field,
good rows are loaded, a second import of the same file changes nothing, --replace updates."""

import csv

from openpyxl import Workbook
from sqlalchemy import func, select

from fugong.enterprises.importer import import_enterprises
from fugong.enterprises.models import Enterprise
from fugong.store.audit import AuditEntry
from tests.enterprises.helpers import HANGZHOU, SYSTEM, make_uscc

HEADER = ["企业编号", "统一社会信用代码", "企业名称", "行政区划代码", "行业代码", "规模", "规上", "企业类别", "出口"]


def rows():
    return [
        ["E1", make_uscc(1), "杭州甲机械", "330110", "34", "中型", "是", "industrial", "否"],
        ["E2", "", "杭州乙纺织", "330106", "17", "small", "0", "", "1"],
        ["E3", make_uscc(3)[:-1] + "0", "坏代码", "330110", "34", "", "", "", ""],   # bad check character
        ["E4", make_uscc(4), "无区划", "330199", "34", "", "", "", ""],               # unknown region
        ["E5", make_uscc(5), "坏行业", "330110", "99", "", "", "", ""],               # unknown industry
        ["E6", make_uscc(1), "抢代码", "330110", "34", "", "", "", ""],               # E1's USCC again
        ["E7", make_uscc(7, "330203"), "宁波企业", "330203", "34", "", "", "", ""],   # outside Hangzhou
    ]


def write_csv(path, data, encoding="utf-8"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def test_a_gbk_csv_loads_good_rows_and_rejects_bad_ones_by_row_and_field(session, tmp_path):
    path = write_csv(tmp_path / "企业名录.csv", rows(), encoding="gbk")
    result = import_enterprises(session, HANGZHOU, path=path, rejects_dir=tmp_path / "rejects")
    assert (result.rows, result.created, result.rejected) == (7, 2, 5)
    by_row = {r.row: r.field for r in result.rejects}
    assert by_row == {3: "uscc", 4: "region_code", 5: "industry_code", 6: "uscc", 7: "region_code"}
    with open(result.rejects_path, encoding="utf-8") as fh:
        lines = list(csv.DictReader(fh))
    assert [line["row"] for line in lines] == ["3", "4", "5", "6", "7"]
    assert lines[0]["file"].endswith("企业名录.csv") and lines[0]["reason"]
    e1, e2 = session.get(Enterprise, "E1"), session.get(Enterprise, "E2")
    assert (e1.size_class, e1.above_scale, e1.industry_code) == ("medium", True, "34")
    assert (e2.uscc, e2.export, e2.enterprise_class) == (None, True, "industrial")


def test_importing_the_same_file_twice_changes_nothing(session, tmp_path):
    path = write_csv(tmp_path / "firms.csv", rows()[:2])
    first = import_enterprises(session, SYSTEM, path=path)
    audits = session.scalar(select(func.count()).select_from(AuditEntry))
    second = import_enterprises(session, SYSTEM, path=path)
    assert (first.created, second.created, second.unchanged) == (2, 0, 2)
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == audits


def test_a_changed_row_is_rejected_unless_replace(session, tmp_path):
    import_enterprises(session, SYSTEM, path=write_csv(tmp_path / "a.csv", rows()[:1]))
    changed = [["E1", make_uscc(1), "杭州甲机械（更名）", "330110", "34", "中型", "是", "industrial", "否"]]
    refused = import_enterprises(session, SYSTEM, path=write_csv(tmp_path / "b.csv", changed))
    assert refused.rejected == 1 and refused.rejects[0].field == "name"
    assert session.get(Enterprise, "E1").name == "杭州甲机械"
    replaced = import_enterprises(session, SYSTEM, path=write_csv(tmp_path / "c.csv", changed), replace=True)
    assert replaced.updated == 1 and session.get(Enterprise, "E1").name == "杭州甲机械（更名）"


def test_an_xlsx_workbook_is_read_the_same_way(session, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows()[:2]:
        sheet.append(row)
    sheet.append([None] * len(HEADER))  # an empty row at the end is ignored
    path = tmp_path / "firms.xlsx"
    book.save(path)
    result = import_enterprises(session, SYSTEM, path=path)
    assert (result.rows, result.created, result.rejected) == (2, 2, 0)
    assert session.get(Enterprise, "E2").name == "杭州乙纺织"


def test_a_duplicate_id_with_other_values_rejects_both_rows(session, tmp_path):
    data = [rows()[0], ["E1", make_uscc(1), "另一个名字", "330110", "34", "", "", "", ""]]
    result = import_enterprises(session, SYSTEM, path=write_csv(tmp_path / "dup.csv", data))
    assert result.created == 0 and {r.row for r in result.rejects} == {1, 2}
