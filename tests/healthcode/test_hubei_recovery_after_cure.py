"""hubei-2020: red -> yellow after cure (list entry ended) and 14 days without symptoms; yellow -> green after 14 more."""

import datetime as dt

from fugong.healthcode.declarations import declare
from fugong.healthcode.lifecycle import check_in
from fugong.healthcode.lists import load_list_csv
from tests.healthcode.helpers import DAY0, OFFICER, days, make_id

CSV = "kind,id_number,region_code,start_date,end_date\nconfirmed,{id},330106,{start},{end}\n"


def _case(session, new_person, tmp_path):
    person, me = new_person("hubei-2020")
    load_list_csv(session, OFFICER, day=DAY0, rejects_dir=tmp_path, text=CSV.format(id=make_id(1), start=DAY0, end=""))
    assert (person.colour, person.reason_code) == ("red", "LIST_CONFIRMED")
    return person, me


def _cure(session, tmp_path, on):
    load_list_csv(session, OFFICER, day=on, rejects_dir=tmp_path, text=CSV.format(id=make_id(1), start=DAY0, end=on))


def _normal_days(session, me, start, n):
    for day in days(start, n):
        check_in(session, me, temperature=36.4, day=day)


def test_red_stays_red_while_the_case_is_not_cured(session, new_person, tmp_path):
    person, me = _case(session, new_person, tmp_path)
    _normal_days(session, me, DAY0 + dt.timedelta(days=1), 20)
    assert person.colour == "red"


def test_red_turns_yellow_14_symptom_free_days_after_cure(session, new_person, tmp_path):
    person, me = _case(session, new_person, tmp_path)
    cured = DAY0 + dt.timedelta(days=10)
    _normal_days(session, me, DAY0 + dt.timedelta(days=1), 10)  # in hospital, checking in: does not count
    _cure(session, tmp_path, cured)
    _normal_days(session, me, cured + dt.timedelta(days=1), 13)
    assert person.colour == "red"
    _normal_days(session, me, cured + dt.timedelta(days=14), 1)
    assert (person.colour, person.reason_code) == ("yellow", "RECOVERED_AFTER_CURE")


def test_yellow_turns_green_after_14_more_days(session, new_person, tmp_path):
    person, me = _case(session, new_person, tmp_path)
    cured = DAY0 + dt.timedelta(days=10)
    _cure(session, tmp_path, cured)
    _normal_days(session, me, cured + dt.timedelta(days=1), 14)
    assert person.colour == "yellow"
    yellow_day = cured + dt.timedelta(days=14)
    _normal_days(session, me, yellow_day + dt.timedelta(days=1), 13)
    assert person.colour == "yellow"
    _normal_days(session, me, yellow_day + dt.timedelta(days=14), 1)
    assert (person.colour, person.reason_code) == ("green", "RECOVERED_CHECKINS")


def test_a_symptom_after_cure_restarts_the_14_days(session, new_person, tmp_path):
    person, me = _case(session, new_person, tmp_path)
    cured = DAY0 + dt.timedelta(days=10)
    _cure(session, tmp_path, cured)
    _normal_days(session, me, cured + dt.timedelta(days=1), 8)
    check_in(session, me, temperature=36.8, symptoms=["fatigue"], day=cured + dt.timedelta(days=9))
    _normal_days(session, me, cured + dt.timedelta(days=10), 13)
    assert person.colour == "red"
    _normal_days(session, me, cured + dt.timedelta(days=23), 1)
    assert person.colour == "yellow"


def test_a_missed_day_in_the_yellow_period_breaks_the_run(session, new_person):
    person, me = new_person("hubei-2020")
    declare(session, me, current_region="330106", temperature=36.5, symptoms=["cough"], day=DAY0)
    _normal_days(session, me, DAY0 + dt.timedelta(days=1), 10)
    _normal_days(session, me, DAY0 + dt.timedelta(days=12), 13)  # day 11 missed
    assert person.colour == "yellow"
    _normal_days(session, me, DAY0 + dt.timedelta(days=25), 1)
    assert person.colour == "green"


def test_red_without_a_list_entry_turns_yellow_after_14_symptom_free_days(session, new_person):
    person, me = new_person("hubei-2020")
    declare(session, me, current_region="330106", temperature=38.0, day=DAY0)
    _normal_days(session, me, DAY0 + dt.timedelta(days=1), 14)
    assert person.colour == "yellow"
