"""A malformed case file gets an error naming the file, the row and the field."""

import pytest

from fugong.risk.cases import CaseFileError, read_cases


def write(tmp_path, text):
    path = tmp_path / "cases.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_bad_row_is_named_with_its_line_and_field(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmed\n"
                           "330110,2020-02-01,3\n"
                           "33011,2020-02-02,1\n"
                           "330110,2020-02-31,1\n"
                           "330110,2020-02-04,-2\n"
                           "330110,2020-02-05,1.5\n")
    with pytest.raises(CaseFileError) as error:
        read_cases(path)
    shown = [(i.row, i.field) for i in error.value.issues]
    assert shown == [(3, "region_code"), (4, "date"), (5, "new_confirmed"), (6, "new_confirmed")]
    assert f"{path}:3: region_code: '33011' is not a six-digit GB/T 2260 code" in str(error.value)


def test_a_duplicate_region_day_names_both_rows(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmed\n330110,2020-02-01,3\n330110,2020-02-01,4\n")
    with pytest.raises(CaseFileError, match=r":3: region_code: duplicate of row 2"):
        read_cases(path)


def test_a_misspelt_column_is_refused_in_the_header(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmd\n330110,2020-02-01,3\n")
    with pytest.raises(CaseFileError, match=r":1: new_confirmd: unknown column"):
        read_cases(path)


def test_a_row_without_region_code_needs_a_province(tmp_path):
    path = write(tmp_path, "region_code,date,cumulative_confirmed,province_code,label\n"
                           ",2020-02-01,3,,境外输入\n,2020-02-01,3,330000,境外输入\n")
    with pytest.raises(CaseFileError) as error:
        read_cases(path)
    assert [(i.row, i.field) for i in error.value.issues] == [(2, "province_code")]


def test_a_valid_file_reads_with_its_source(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmed,population\n330110,2020-02-01,3,1170000\n")
    frame = read_cases(path)
    assert frame.loc[0, "new_confirmed"] == 3 and frame.loc[0, "population"] == 1_170_000
