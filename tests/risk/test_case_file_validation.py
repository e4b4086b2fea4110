"""A bad row of a case file is rejected with its file, row and field — the good rows still load; only a
file that cannot be used at all is refused, with a named error."""

import pytest

from fugong.risk.cases import CaseFileError, read_cases, write_case_rejects


def write(tmp_path, text, encoding="utf-8", name="cases.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _rejected(frame):
    return [(i.row, i.field) for i in frame.attrs["rejects"]]


def test_every_bad_row_is_named_with_its_line_and_field_and_the_good_rows_load(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmed\n"
                           "330110,2020-02-01,3\n"
                           "33011,2020-02-02,1\n"
                           "330110,2020-02-31,1\n"
                           "330110,2020-02-04,-2\n"
                           "330110,2020-02-05,1.5\n"
                           "330110,2020-02-06,2\n")
    frame = read_cases(path)  # before the fix: one bad row refused the whole file
    assert list(frame["new_confirmed"]) == [3, 2]
    assert _rejected(frame) == [(3, "region_code"), (4, "date"), (5, "new_confirmed"), (6, "new_confirmed")]
    assert f"{path}:3: region_code: '33011' is not a six-digit GB/T 2260 code" in str(frame.attrs["rejects"][0])
    rejects = write_case_rejects(frame, tmp_path / "rejects", source=str(path))
    assert len(rejects.read_text(encoding="utf-8").splitlines()) == 5


def test_a_duplicate_region_day_names_both_rows(tmp_path):
    frame = read_cases(write(tmp_path, "region_code,date,new_confirmed\n330110,2020-02-01,3\n330110,2020-02-01,4\n"))
    assert [str(i).split(": ", 1)[1] for i in frame.attrs["rejects"]] == [
        "region_code: duplicate of row 2 (330110 on 2020-02-01)"]


def test_a_misspelt_column_is_refused_in_the_header(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmd\n330110,2020-02-01,3\n")
    with pytest.raises(CaseFileError, match=r":1: new_confirmd: unknown column"):
        read_cases(path)


def test_a_row_without_region_code_needs_a_province(tmp_path):
    frame = read_cases(write(tmp_path, "region_code,date,cumulative_confirmed,province_code,label\n"
                                       ",2020-02-01,3,,境外输入\n,2020-02-01,3,330000,境外输入\n"))
    assert _rejected(frame) == [(2, "province_code")] and len(frame) == 1


def test_a_valid_file_reads_with_its_source(tmp_path):
    path = write(tmp_path, "region_code,date,new_confirmed,population\n330110,2020-02-01,3,1170000\n")
    frame = read_cases(path)
    assert frame.loc[0, "new_confirmed"] == 3 and frame.loc[0, "population"] == 1_170_000
    assert frame.attrs["rejects"] == []


@pytest.mark.parametrize("encoding", ["gbk", "utf-16", "utf-8-sig"])
def test_gbk_and_utf16_files_are_read(tmp_path, encoding):
    frame = read_cases(write(tmp_path, "region_code,date,new_confirmed,name\n330110,2020-02-01,3,余杭区\n", encoding))
    assert frame.loc[0, "name"] == "余杭区"


def test_bytes_that_are_no_text_encoding_are_a_named_error(tmp_path):
    path = tmp_path / "cases.csv"
    path.write_bytes(b"region_code,date,new_confirmed\n330110,2020-02-01,\xff\xfe\xff3\n")
    with pytest.raises(CaseFileError, match="neither UTF-8 nor GBK"):
        read_cases(path)


def test_a_folder_instead_of_a_file_is_a_named_error(tmp_path):
    (tmp_path / "cases.csv").mkdir()
    with pytest.raises(CaseFileError, match="is a folder"):
        read_cases(tmp_path / "cases.csv")


def test_codes_that_name_no_region_dates_without_dashes_and_full_width_counts_are_rejected(tmp_path):
    frame = read_cases(write(tmp_path, "region_code,date,new_confirmed\n"
                                       "000000,2020-02-01,1\n999999,2020-02-01,1\n"
                                       "330110,20200201,1\n330110,2020-02-02,１２\n330110,0001-01-01,1\n"
                                       "330110,2020-02-03,5\n"))
    assert _rejected(frame) == [(2, "region_code"), (3, "region_code"), (4, "date"), (5, "new_confirmed"), (6, "date")]
    assert list(frame["new_confirmed"]) == [5]


def test_a_huge_value_is_named_short(tmp_path):
    frame = read_cases(write(tmp_path, "region_code,date,new_confirmed\n330110,2020-02-01," + "9" * 100_000 + "\n"
                                       "330110,2020-02-02,1\n"))
    message = str(frame.attrs["rejects"][0])
    assert len(message) < 300 and "+99,940 characters" in message
