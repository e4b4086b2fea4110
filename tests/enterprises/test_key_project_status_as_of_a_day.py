"""Key projects and construction sites keep their resumption status per day: the report counts them
as of the end of a day, and a late report of an earlier restart counts from its own day."""

import datetime as dt

import pytest

from fugong.access import AccessDenied
from fugong.enterprises.projects import add_project, list_projects, project_counts_as_of, set_project_status
from tests.enterprises.helpers import HANGZHOU, NINGBO, SYSTEM

D = dt.date


def test_counts_as_of_each_day(session):
    listed = {"listed_on": D(2020, 2, 1)}
    add_project(session, SYSTEM, project_id="P1", kind="key_project", name="地铁3号线", region_code="330110", **listed)
    add_project(session, SYSTEM, project_id="P2", kind="construction_site", name="某工地", region_code="330110", **listed)
    add_project(session, SYSTEM, project_id="P3", kind="key_project", name="宁波港", region_code="330203", **listed)
    add_project(session, SYSTEM, project_id="P4", kind="key_project", name="后列入", region_code="330110",
                listed_on=D(2020, 2, 15))
    set_project_status(session, SYSTEM, project_id="P1", status="resumed", effective_on=D(2020, 2, 12))
    set_project_status(session, SYSTEM, project_id="P2", status="resumed", effective_on=D(2020, 2, 14))
    set_project_status(session, SYSTEM, project_id="P2", status="suspended", effective_on=D(2020, 2, 16))
    # recorded last, effective earlier: P2 had in fact restarted on the 11th already
    set_project_status(session, SYSTEM, project_id="P2", status="resumed", effective_on=D(2020, 2, 11))
    assert project_counts_as_of(session, day=D(2020, 2, 10), region_prefix="3301") == {"330110": (2, 0)}
    assert project_counts_as_of(session, day=D(2020, 2, 11), region_prefix="3301") == {"330110": (2, 1)}
    assert project_counts_as_of(session, day=D(2020, 2, 15), region_prefix="3301") == {"330110": (3, 2)}
    assert project_counts_as_of(session, day=D(2020, 2, 16), region_prefix="3301") == {"330110": (3, 1)}
    assert project_counts_as_of(session, day=D(2020, 2, 16))["330203"] == (1, 0)


def test_an_officer_lists_and_changes_projects_of_their_region_only(session):
    add_project(session, SYSTEM, project_id="P3", kind="key_project", name="宁波港", region_code="330203")
    with pytest.raises(AccessDenied):
        add_project(session, HANGZHOU, project_id="P4", kind="key_project", name="x", region_code="330203")
    with pytest.raises(LookupError):
        set_project_status(session, HANGZHOU, project_id="P3", status="resumed", effective_on=D(2020, 2, 12))
    assert list_projects(session, HANGZHOU) == []
    assert [p["project_id"] for p in list_projects(session, NINGBO)] == ["P3"]
