"""A roster spreadsheet loads with rejects (row, field; ID numbers masked even there), links employees
to health-code people by keyed hash, and gives each day's colour and status counts."""

import csv

from sqlalchemy import select

from fugong.resumption.models import Employee
from fugong.resumption.roster import day_counts, import_roster, roster_view
from tests.healthcode.helpers import make_id
from tests.resumption.helpers import D, add_firm, firm_user, person, YUHANG

HEADER = ["工号", "姓名", "身份证号", "岗位", "证书类型", "状态", "来源地", "计划返岗日期"]


def _write(path, rows):
    with open(path, "w", encoding="gbk", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_rows_load_link_and_reject_with_masked_ids(session, tmp_path):
    add_firm(session, "E1")
    _, linked_id = person(session, 1, colour="green")
    _, red_id = person(session, 2, colour="red")
    bad_id = make_id(3)[:-1] + ("0" if make_id(3)[-1] != "0" else "1")
    rows = [
        ["A001", "张三", linked_id, "安全主管", "安全管理负责人", "在岗", "330110", ""],
        ["A002", "李四", red_id, "操作工", "", "隔离中", "420100", "2020-02-24"],
        ["A003", "王五", "", "操作工", "", "未返岗", "341200", "2020-02-20"],
        ["A004", "赵六", bad_id, "操作工", "", "在岗", "", ""],          # bad ID check digit
        ["A005", "钱七", "", "操作工", "电工证", "在岗", "", ""],         # unknown certificate
        ["A001", "重复", "", "", "", "在岗", "", ""],                   # staff number twice
    ]
    result = import_roster(session, firm_user("E1"), enterprise_id="E1", path=_write(tmp_path / "花名册.csv", rows),
                           effective_on=D(2020, 2, 11), rejects_dir=tmp_path / "rejects")
    assert (result.created, result.rejected) == (3, 3)
    assert {r.row: r.field for r in result.rejects} == {4: "id_number", 5: "certificate", 6: "employee_no"}
    text = result.rejects_path.read_text(encoding="utf-8")
    assert bad_id not in text and bad_id[:4] + "**********" + bad_id[-4:] in text
    staff = {e.employee_no: e for e in session.scalars(select(Employee))}
    assert staff["A001"].person_id is not None and staff["A001"].certificate == "safety_manager"
    assert staff["A001"].id_masked.startswith("3301**") and "id_number" not in Employee.__table__.c
    counts = day_counts(session, firm_user("E1"), enterprise_id="E1", day=D(2020, 2, 11))
    assert counts["staff"] == 3 and counts["statuses"]["on_site"] == 1 and counts["statuses"]["quarantined"] == 1
    assert counts["colours"] == {"green": 1, "yellow": 0, "red": 1, "unknown": 1}


def test_officers_see_masked_names_the_enterprise_sees_its_own(session, tmp_path):
    add_firm(session, "E1")
    import_roster(session, firm_user("E1"), enterprise_id="E1", effective_on=D(2020, 2, 11),
                  path=_write(tmp_path / "r.csv", [["A001", "张三丰", "", "操作工", "", "在岗", "", ""]]))
    assert roster_view(session, firm_user("E1"), enterprise_id="E1")[0]["name"] == "张三丰"
    assert roster_view(session, YUHANG, enterprise_id="E1")[0]["name"] == "张**"


def test_importing_the_same_roster_twice_changes_nothing(session, tmp_path):
    add_firm(session, "E1")
    path = _write(tmp_path / "r.csv", [["A001", "张三", "", "操作工", "", "在岗", "", ""]])
    import_roster(session, firm_user("E1"), enterprise_id="E1", path=path, effective_on=D(2020, 2, 11))
    again = import_roster(session, firm_user("E1"), enterprise_id="E1", path=path, effective_on=D(2020, 2, 12))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
