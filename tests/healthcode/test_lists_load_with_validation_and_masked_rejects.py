"""Authoritative lists: staff load a CSV; bad rows go to a rejects file holding masked IDs only."""

import csv

import pytest

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lists import load_list_csv
from tests.healthcode.helpers import DAY0, NINGBO_OFFICER, OFFICER, make_id

HEADER = "kind,id_number,region_code,start_date,end_date\n"


def test_good_rows_load_and_bad_rows_are_rejected_naming_row_and_field(session, tmp_path):
    bad_id = make_id(7)[:-1] + ("0" if make_id(7)[-1] != "0" else "1")
    text = HEADER + (f"confirmed,{make_id(1)},330106,2020-02-01,\n"
                     f"hero,{make_id(2)},330106,2020-02-01,\n"
                     f"close_contact,{bad_id},330106,2020-02-01,\n"
                     f"quarantine,{make_id(3)},33010,2020-02-01,\n"
                     f"quarantine,{make_id(4)},330106,2020-02-30,\n"
                     f"quarantine,{make_id(5)},330106,2020-02-10,2020-02-01\n")
    result = load_list_csv(session, OFFICER, text=text, source="cases.csv", rejects_dir=tmp_path, day=DAY0)
    assert (result.loaded, result.rejected) == (1, 5)
    rows = list(csv.DictReader(result.rejects_path.open(encoding="utf-8")))
    assert [(r["row"], r["field"]) for r in rows] == [
        ("3", "kind"), ("4", "id_number"), ("5", "region_code"), ("6", "start_date"), ("7", "end_date")]
    content = result.rejects_path.read_text(encoding="utf-8")
    for n in (2, 3, 4, 5):
        assert make_id(n) not in content and make_id(n)[-4:] in content
    assert bad_id not in content


def test_rows_outside_the_officers_region_are_rejected(session, tmp_path):
    text = HEADER + f"confirmed,{make_id(1)},330106,2020-02-01,\n"
    result = load_list_csv(session, NINGBO_OFFICER, text=text, rejects_dir=tmp_path, day=DAY0)
    assert (result.loaded, result.rejected) == (0, 1) and "outside your region" in result.rejects[0]["error"]


@pytest.mark.parametrize("role", ["enterprise", "gate_staff", "person", "grid_analyst"])
def test_only_authorised_staff_load_lists(session, tmp_path, role):
    with pytest.raises(AccessDenied):
        load_list_csv(session, Principal(user_id="x", role=role), text=HEADER, rejects_dir=tmp_path)


def test_a_missing_column_is_named(session, tmp_path):
    with pytest.raises(ValueError, match="missing column\\(s\\) end_date"):
        load_list_csv(session, OFFICER, text="kind,id_number,region_code,start_date\n", source="x.csv")


def test_loading_a_row_again_updates_its_end_date(session, tmp_path):
    row = f"close_contact,{make_id(1)},330106,2020-02-01,"
    first = load_list_csv(session, OFFICER, text=HEADER + row + "\n", rejects_dir=tmp_path, day=DAY0)
    second = load_list_csv(session, OFFICER, text=HEADER + row + "2020-02-15\n", rejects_dir=tmp_path, day=DAY0)
    assert (first.loaded, second.loaded, second.updated) == (1, 0, 1)


def test_a_registered_person_on_a_current_entry_turns_red_with_the_list_reason(session, new_person, tmp_path):
    person, _ = new_person()
    result = load_list_csv(session, OFFICER, text=HEADER + f"close_contact,{make_id(1)},330106,2020-02-01,\n",
                           rejects_dir=tmp_path, day=DAY0)
    assert result.colour_changes == 1 and (person.colour, person.reason_code) == ("red", "LIST_CLOSE_CONTACT")
