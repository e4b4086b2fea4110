"""A dispatched demand is due a category's number of working days later, on the national calendar
(holidays, the 2020 Spring Festival extension, make-up workdays) and the configured regional closures."""

import datetime as dt

import pytest

from fugong.desk import service
from fugong.desk.calendar import add_workdays, closures_of, workdays_between
from fugong.desk.settings import DeskConfigError, load_desk_config, parse_desk_config
from tests.desk.helpers import CONTACT, TRIAGE, at, build_world

D = dt.date


def test_working_days_skip_weekends_holidays_and_count_make_up_days():
    assert add_workdays(D(2020, 2, 21), 2) == D(2020, 2, 25)                 # Fri → Tue
    assert add_workdays(D(2020, 1, 23), 5) == D(2020, 2, 7)                  # across the extended Spring Festival
    assert add_workdays(D(2020, 1, 23), 5, closures=closures_of(["zhejiang-2020"])) == D(2020, 2, 14)
    assert add_workdays(D(2020, 1, 18), 1) == D(2020, 1, 19)                 # Sunday 19 Jan was a make-up workday
    assert add_workdays(D(2020, 9, 30), 1) == D(2020, 10, 9)                 # National Day week
    assert workdays_between(D(2020, 2, 14), D(2020, 2, 17)) == 1
    assert add_workdays(D(2031, 5, 2), 1) == D(2031, 5, 5)                   # beyond the calendar data: Mon–Fri


def test_the_due_date_follows_the_category_and_the_configured_closures(session, tmp_path):
    build_world(session)
    text = (load_desk_config().source and open(load_desk_config().source, encoding="utf-8").read())
    path = tmp_path / "desk.toml"
    path.write_text(text.replace("closures = []", 'closures = ["zhejiang-2020"]'), encoding="utf-8")
    config = load_desk_config(path)
    loan = service.submit_demand(session, CONTACT, enterprise_id="E-WH-1", category="funding", text="贷款",
                                 at=at("2020-01-22"))
    masks = service.submit_demand(session, CONTACT, enterprise_id="E-WH-2", category="protective", text="口罩",
                                  at=at("2020-01-22"))
    service.accept(session, TRIAGE, demand_id=loan.id, at=at("2020-01-23"))
    service.dispatch(session, TRIAGE, demand_id=loan.id, at=at("2020-01-23"), config=config)
    service.accept(session, TRIAGE, demand_id=masks.id, at=at("2020-01-23"))
    service.dispatch(session, TRIAGE, demand_id=masks.id, at=at("2020-01-23"))
    assert loan.due_on == D(2020, 2, 14)    # 5 working days, Zhejiang's closure until 9 Feb
    assert masks.due_on == D(2020, 2, 4)    # 2 working days, national calendar only


def test_a_malformed_desk_configuration_names_the_file_and_field():
    with pytest.raises(DeskConfigError, match=r"x.toml: categories\[0\].due_workdays"):
        parse_desk_config({"categories": [{"key": "masks", "due_workdays": 0}]}, source="x.toml")
    with pytest.raises(DeskConfigError, match=r"escalation.closures: unknown closure 'mars'"):
        parse_desk_config({"categories": [{"key": "masks", "due_workdays": 2}], "escalation": {"closures": ["mars"]}},
                          source="x.toml")
    with pytest.raises(DeskConfigError, match="unknown category"):
        load_desk_config().category("weather")
