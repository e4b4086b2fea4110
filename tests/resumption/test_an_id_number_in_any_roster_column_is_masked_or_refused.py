"""An ID number never lands in clear in the roster or its rejects file, whatever column it was typed
in: a row with one in the staff number, name or post is rejected, and a rejected value or reason that
holds one (a stray quote swallows the rest of the line into one field) shows it masked."""

import csv

from sqlalchemy import select

from fugong.resumption.models import Employee
from fugong.resumption.roster import import_roster
from tests.healthcode.helpers import make_id
from tests.resumption.helpers import D, add_firm, firm_user

HEADER = "employee_no,name,id_number,post,status,origin_region\n"


def _load(session, tmp_path, text: str):
    add_firm(session, "E1")
    path = tmp_path / "花名册.csv"
    path.write_text(HEADER + text, encoding="utf-8")
    return import_roster(session, firm_user("E1"), enterprise_id="E1", path=path, effective_on=D(2020, 2, 11),
                         rejects_dir=tmp_path / "rejects")


def test_an_id_number_in_a_free_text_column_rejects_the_row(session, tmp_path):
    someone = make_id(7)
    result = _load(session, tmp_path, f"{someone},张三,,,在岗,\nA2,李四,,{someone},在岗,\nA3,王五,,操作工,在岗,\n")
    assert (result.created, result.rejected) == (1, 2)
    assert {r.row: r.field for r in result.rejects} == {1: "employee_no", 2: "post"}
    stored = session.scalars(select(Employee.employee_no)).all()
    assert stored == ["A3"]
    assert someone not in (tmp_path / "rejects").joinpath(result.rejects_path.name).read_text(encoding="utf-8")


def test_a_rejected_value_or_reason_shows_an_id_number_masked(session, tmp_path):
    someone = make_id(8)
    # a status typed as the ID number (the reason repeats the value), and a stray quote that swallows a line
    result = _load(session, tmp_path, f'A1,张三,,,{someone},\n" OR 1=1 --,李四,{someone},,在岗,\n')
    assert result.rejected == 2
    text = result.rejects_path.read_text(encoding="utf-8")
    assert someone not in text
    assert someone[:4] + "*" * 10 + someone[-4:] in text


def test_an_origin_region_that_is_not_six_digits_is_a_rejected_row(session, tmp_path):
    result = _load(session, tmp_path, "A1,张三,,,在岗,-1\nA2,李四,,,在岗,1e308\nA3,王五,,,在岗,330106\n")
    assert (result.created, result.rejected) == (1, 2)
    assert {r.row: r.field for r in result.rejects} == {1: "origin_region", 2: "origin_region"}
    with open(result.rejects_path, encoding="utf-8") as fh:
        assert [line["row"] for line in csv.DictReader(fh)] == ["1", "2"]
