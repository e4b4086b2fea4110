"""Data freshness: newest meter day, newest index day and grading, with warnings when stale."""

import datetime as dt

from fugong.access import Principal
from fugong.config import load_settings
from fugong.dashboard import service

ADMIN = Principal(user_id="a", role="province_admin", region_prefix="33")


def settings_for(data_dir, as_of):
    return load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_AS_OF": as_of})


def test_fresh_data_raises_no_meter_or_index_warning(served_data):
    body = service.overview(settings=settings_for(served_data, "2020-02-20"), principal=ADMIN)
    codes = {w["code"] for w in body["freshness"]["warnings"]}
    assert not codes & {"meters_stale", "index_missing_day", "no_index", "no_meters"}
    assert body["freshness"]["last_index_date"] == "2020-02-29"


def test_a_late_as_of_day_warns_of_stale_meters_and_a_missing_index_day(served_data):
    body = service.overview(settings=settings_for(served_data, "2020-04-10"), principal=ADMIN)
    warnings = {w["code"]: w for w in body["freshness"]["warnings"]}
    newest = dt.date.fromisoformat(body["freshness"]["last_meter_date"])
    assert warnings["meters_stale"]["days"] == (dt.date(2020, 4, 10) - newest).days
    assert warnings["index_missing_day"]["last"] == "2020-02-29"
    assert body["headline"] is None


def test_an_empty_data_directory_says_there_is_no_index_and_no_meters(tmp_path):
    body = service.overview(settings=settings_for(tmp_path, "2020-02-20"), principal=ADMIN)
    assert {"no_index", "no_meters"} <= {w["code"] for w in body["freshness"]["warnings"]}


def test_the_newest_publication_of_the_active_rule_set_is_the_last_grading(tmp_path):
    from fugong.risk.demo import city_cases, grade_and_publish, synthetic_county_cases
    from fugong.store.db import connect, session_scope, upgrade

    settings = settings_for(tmp_path, "2020-02-20")
    engine = connect(settings.resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        grade_and_publish(session, synthetic_county_cases(city_cases(), seed=3),
                          rule_names=[settings.risk_rules], start=dt.date(2020, 2, 10), end=dt.date(2020, 2, 17))
    engine.dispose()
    body = service.overview(settings=settings, principal=ADMIN)
    # zj-five-colour-2020 publishes every 3 days from 2020-02-10: 02-10, 02-13, 02-16.
    assert body["freshness"]["last_grading_date"] == "2020-02-16"
    assert "no_grading" not in {w["code"] for w in body["freshness"]["warnings"]}
