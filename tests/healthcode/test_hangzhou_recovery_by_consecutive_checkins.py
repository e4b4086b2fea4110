"""hangzhou-2020: yellow -> green after 7, red -> green after 14 consecutive normal daily check-ins.

An abnormal check-in resets the count; a missed day breaks the run; a current list entry blocks.
"""

import datetime as dt

import pytest

from fugong.healthcode.declarations import declare
from fugong.healthcode.lifecycle import check_in, events_of
from fugong.healthcode.lists import load_list_csv
from tests.healthcode.helpers import DAY0, OFFICER, days, make_id


def _yellow(session, new_person):
    person, me = new_person("hangzhou-2020")
    declare(session, me, current_region="330106", temperature=36.5, symptoms=["cough"], day=DAY0)
    assert person.colour == "yellow"
    return person, me


def _red(session, new_person):
    person, me = new_person("hangzhou-2020")
    declare(session, me, current_region="330106", temperature=37.6, day=DAY0)
    assert person.colour == "red"
    return person, me


def _normal(session, me, day):
    return check_in(session, me, temperature=36.5, day=day)


def test_yellow_turns_green_on_the_seventh_consecutive_normal_checkin(session, new_person):
    person, me = _yellow(session, new_person)
    run = days(DAY0 + dt.timedelta(days=1), 7)
    for day in run[:6]:
        _normal(session, me, day)
        assert person.colour == "yellow", day
    result = _normal(session, me, run[6])
    assert result["changed"] and person.colour == "green"
    assert (person.reason_code, events_of(session, person.id)[-1]["reason"]["zh"]) == (
        "RECOVERED_CHECKINS", "连续健康打卡达标")


def test_red_turns_green_on_the_fourteenth_consecutive_normal_checkin(session, new_person):
    person, me = _red(session, new_person)
    run = days(DAY0 + dt.timedelta(days=1), 14)
    for day in run[:13]:
        _normal(session, me, day)
    assert person.colour == "red"
    _normal(session, me, run[13])
    assert person.colour == "green"


def test_the_checkin_on_the_day_the_colour_was_given_does_not_count(session, new_person):
    person, me = _yellow(session, new_person)
    for day in days(DAY0, 7):  # DAY0 itself plus six more days
        _normal(session, me, day)
    assert person.colour == "yellow"
    _normal(session, me, DAY0 + dt.timedelta(days=7))
    assert person.colour == "green"


def test_an_abnormal_checkin_resets_the_count(session, new_person):
    person, me = _yellow(session, new_person)
    start = DAY0 + dt.timedelta(days=1)
    for day in days(start, 5):
        _normal(session, me, day)
    check_in(session, me, temperature=36.6, symptoms=["sore_throat"], day=start + dt.timedelta(days=5))
    after = start + dt.timedelta(days=6)
    for day in days(after, 6):
        _normal(session, me, day)
    assert person.colour == "yellow"  # 6 normal days after the reset, not 7
    _normal(session, me, after + dt.timedelta(days=6))
    assert person.colour == "green"


def test_a_missed_day_breaks_the_run(session, new_person):
    person, me = _yellow(session, new_person)
    start = DAY0 + dt.timedelta(days=1)
    for day in days(start, 4):
        _normal(session, me, day)
    # start+4 missed
    resumed = start + dt.timedelta(days=5)
    for day in days(resumed, 6):
        _normal(session, me, day)
    assert person.colour == "yellow"  # 4 + 6 = 10 check-ins, but the longest run is 6
    _normal(session, me, resumed + dt.timedelta(days=6))
    assert person.colour == "green"


def test_a_fever_at_checkin_turns_yellow_to_red(session, new_person):
    person, me = _yellow(session, new_person)
    result = check_in(session, me, temperature=38.1, day=DAY0 + dt.timedelta(days=1))
    assert result["changed"] and (person.colour, person.reason_code) == ("red", "FEVER")


def test_checkins_never_lower_a_colour_that_a_current_list_entry_triggers(session, new_person, tmp_path):
    person, me = new_person("hangzhou-2020")
    load_list_csv(session, OFFICER, day=DAY0, rejects_dir=tmp_path,
                  text=f"kind,id_number,region_code,start_date,end_date\nquarantine,{make_id(1)},330106,{DAY0},\n")
    assert (person.colour, person.reason_code) == ("red", "LIST_QUARANTINE")
    for day in days(DAY0 + dt.timedelta(days=1), 20):
        _normal(session, me, day)
    assert person.colour == "red"


def test_release_from_the_list_lets_the_run_lower_the_colour(session, new_person, tmp_path):
    person, me = new_person("hangzhou-2020")
    csv = "kind,id_number,region_code,start_date,end_date\nquarantine,{id},330106,{start},{end}\n"
    load_list_csv(session, OFFICER, day=DAY0, rejects_dir=tmp_path, text=csv.format(id=make_id(1), start=DAY0, end=""))
    run = days(DAY0 + dt.timedelta(days=1), 14)
    for day in run[:13]:
        _normal(session, me, day)
    load_list_csv(session, OFFICER, day=run[13], rejects_dir=tmp_path,
                  text=csv.format(id=make_id(1), start=DAY0, end=run[13]))
    _normal(session, me, run[13])
    assert person.colour == "green"


def test_a_second_checkin_on_the_same_day_is_refused(session, new_person):
    _, me = _yellow(session, new_person)
    _normal(session, me, DAY0 + dt.timedelta(days=1))
    with pytest.raises(ValueError, match="already checked in"):
        _normal(session, me, DAY0 + dt.timedelta(days=1))


def test_green_stays_green_with_normal_checkins(session, new_person):
    person, me = new_person("hangzhou-2020")
    declare(session, me, current_region="330106", temperature=36.5, day=DAY0)
    for day in days(DAY0 + dt.timedelta(days=1), 3):
        assert not _normal(session, me, day)["changed"]
    assert person.colour == "green" and len(events_of(session, person.id)) == 1
