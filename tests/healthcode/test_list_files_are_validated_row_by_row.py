"""Authoritative lists: every row ends loaded, updated, unchanged or rejected with a reason — no
silently accepted dates, codes or digits, duplicates counted, and a rejects file of its own per load."""

import datetime as dt

from fugong.access import Principal
from fugong.healthcode.lists import load_list_csv
from tests.healthcode.helpers import make_id

HEADER = "kind,id_number,region_code,start_date,end_date\n"
ADMIN = Principal(user_id="zj", role="province_admin", region_prefix="33")


def _load(session, rows: str, tmp_path, source="list.csv"):
    return load_list_csv(session, ADMIN, text=HEADER + rows, source=source, rejects_dir=tmp_path / "rejects",
                         day=dt.date(2020, 2, 20))


def _fields(result):
    return [(r["row"], r["field"]) for r in result.rejects]


def test_dates_other_than_yyyy_mm_dd_are_rejected(session, tmp_path):
    # Python's date.fromisoformat accepts both of these since 3.11; a list date must be unambiguous.
    rows = (f"confirmed,{make_id(1)},330106,20200210,\n"
            f"confirmed,{make_id(2)},330106,2020-W07-1,\n"
            f"confirmed,{make_id(3)},330106,2020-02-10,0001-01-01\n")
    result = _load(session, rows, tmp_path)
    assert result.loaded == 0 and _fields(result) == [(2, "start_date"), (3, "start_date"), (4, "end_date")]


def test_region_codes_that_name_no_region_are_rejected(session, tmp_path):
    admin = Principal(user_id="root", role="province_admin", region_prefix="")
    rows = f"confirmed,{make_id(1)},000000,2020-02-10,\nconfirmed,{make_id(2)},999999,2020-02-10,\n"
    result = load_list_csv(session, admin, text=HEADER + rows, source="l.csv", rejects_dir=tmp_path)
    assert result.loaded == 0 and _fields(result) == [(2, "region_code"), (3, "region_code")]


def test_full_width_digits_are_not_taken_for_digits(session, tmp_path):
    full_width_id = make_id(1).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    rows = f"confirmed,{full_width_id},330106,2020-02-10,\nconfirmed,{make_id(2)},３３０１０６,2020-02-10,\n"
    result = _load(session, rows, tmp_path)
    assert result.loaded == 0 and _fields(result) == [(2, "id_number"), (3, "region_code")]


def test_a_repeated_row_is_counted_and_rejected_with_the_row_it_repeats(session, tmp_path):
    row = f"close_contact,{make_id(1)},330106,2020-02-10,\n"
    result = _load(session, row + row, tmp_path)
    assert (result.loaded, result.duplicates, result.rejected) == (1, 1, 1)
    assert "repeats row 2" in result.rejects[0]["error"]
    again = _load(session, row, tmp_path)
    assert (again.loaded, again.unchanged) == (0, 1)


def test_two_loads_in_the_same_second_keep_both_rejects_files(session, tmp_path):
    first = _load(session, "bad,x,330106,2020-02-10,\n", tmp_path, source="same.csv")
    second = _load(session, "bad,y,330106,2020-02-10,\nbad,z,330106,2020-02-10,\n", tmp_path, source="same.csv")
    assert first.rejects_path != second.rejects_path
    assert len(first.rejects_path.read_text().splitlines()) == 2
    assert len(second.rejects_path.read_text().splitlines()) == 3


def test_a_huge_field_is_a_named_error_not_a_crash(session, tmp_path):
    import pytest

    from fugong.store.textfiles import TextFileError

    with pytest.raises(TextFileError, match="list.csv: line 2"):
        _load(session, f"confirmed,{'9' * 200_000},330106,2020-02-10,\n", tmp_path)
