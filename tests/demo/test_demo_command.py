"""`fugong demo` runs every stage with progress, ends by printing the dashboard address, and can be
run again on the same data directory without failing or duplicating data."""

import pytest


pytestmark = pytest.mark.xdist_group("demo")  # shares demo_command_runs (tests/conftest.py)


@pytest.fixture
def demo_runs(demo_command_runs):
    data, _, first, second, _ = demo_command_runs
    return data, first, second


def test_it_runs_every_stage_and_prints_the_dashboard_address(demo_runs):
    from fugong.demo.stages import stages

    _, first, _ = demo_runs
    assert first.returncode == 0, first.stdout + first.stderr
    for number, stage in enumerate(stages(), 1):
        assert f"[{number}/{len(stages())}] {stage.title}" in first.stdout
    assert first.stdout.rstrip().endswith("Dashboard: http://127.0.0.1:8123/")


def test_it_can_run_again_on_the_same_data(demo_runs):
    _, _, second = demo_runs
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Dashboard: http://127.0.0.1:8123/" in second.stdout


def test_it_leaves_a_migrated_database_and_the_scenario_files(demo_runs):
    from fugong.store.db import connect, current_revision, head_revision

    data, _, _ = demo_runs
    assert current_revision(connect(f"sqlite:///{data / 'fugong.db'}")) == head_revision()
    assert (data / "demo" / "scenario" / "enterprises.parquet").exists()
    assert (data / "secret.key").exists()


def test_it_creates_demo_accounts_that_can_sign_in_and_keeps_their_password(demo_runs):
    from fugong.accounts import service
    from fugong.store.db import connect, session_scope

    data, first, second = demo_runs
    password = (data / "demo-password.txt").read_text().strip()
    assert oct((data / "demo-password.txt").stat().st_mode & 0o777) == "0o600"
    # The password is kept in the file, never printed (terminals and CI logs keep what is printed).
    for run in (first, second):
        assert password not in run.stdout + run.stderr and "demo-password.txt" in run.stdout
    with session_scope(connect(f"sqlite:///{data / 'fugong.db'}")) as session:
        outcome = service.authenticate(session, username="demo-hangzhou", password=password)
        assert outcome.user is not None and outcome.user.region_prefix == "3301"


def test_the_health_code_demo_people_work_at_scenario_enterprises_and_demo_firm_sees_its_own(demo_runs):
    import pyarrow.parquet as pq
    from sqlalchemy import select

    from fugong.accounts import service
    from fugong.healthcode.models import Gate, Person
    from fugong.healthcode.scans import enterprise_day
    from fugong.store.db import connect, session_scope

    data, _, _ = demo_runs
    scenario = {row["enterprise_id"]: row["region_code"]
                for row in pq.read_table(data / "demo" / "scenario" / "enterprises.parquet").to_pylist()}
    with session_scope(connect(f"sqlite:///{data / 'fugong.db'}")) as session:
        gates = session.execute(select(Gate.enterprise_id, Gate.region_code)).all()
        assert gates and all(scenario.get(enterprise) == region for enterprise, region in gates)
        employers = set(session.scalars(select(Person.enterprise_id)))
        assert employers == {enterprise for enterprise, _ in gates}
        firm_user = service.get_user(session, username="demo-firm")
        assert firm_user.role == "enterprise" and set(firm_user.enterprise_ids) <= employers
        (firm,) = firm_user.enterprise_ids
        import datetime as dt

        # The demo's check-ins and scans are on its own day (FUGONG_AS_OF), not the machine's.
        day = enterprise_day(session, service.principal_for(firm_user), enterprise_id=firm, day=dt.date(2020, 2, 20))
        assert day["staff"] > 0 and day["scans"] > 0 and day["checked_in"] > 0
        person_user = service.get_user(session, username="demo-person")
        assert person_user.role == "person"
        assert session.scalar(select(Person.enterprise_id).where(Person.account_user_id == "demo-person")) == firm
