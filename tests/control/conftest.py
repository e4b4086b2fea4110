"""A small demo world for the control tests, built once per session (about 10 s): the calibrated
synthetic Zhejiang at scale 0.003 with index results, the synthetic county cases graded with the
Zhejiang five colours, health-code people, the synthetic control feed, and a run of
zj-precision-control-2020 up to 2020-02-20. Read-only for the tests that use it."""

from __future__ import annotations

import datetime as dt

import pytest

AS_OF = dt.date(2020, 2, 20)


@pytest.fixture(scope="session")
def demo_world(tmp_path_factory):
    from fugong.config import load_settings
    from fugong.control.demo import run_demo_stage as control_stage
    from fugong.dashboard.sample import prepare
    from fugong.demo.stages import DemoContext
    from fugong.healthcode.demo import seed, scenario_enterprises
    from fugong.risk.demo import city_cases, grade_and_publish, synthetic_county_cases
    from fugong.access import SYSTEM
    from fugong.risk import services
    from fugong.store.db import connect, session_scope, upgrade

    data_dir = tmp_path_factory.mktemp("control-world")
    prepare(data_dir=data_dir)
    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_AS_OF": AS_OF.isoformat(),
                              "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32})
    engine = connect(settings.resolved_database_url)
    upgrade(engine)
    counties = synthetic_county_cases(city_cases())
    with session_scope(engine) as session:
        services.ingest_cases(session, counties, principal=SYSTEM, source="synthetic")
        grade_and_publish(session, counties, rule_names=["zj-five-colour-2020"], start=dt.date(2020, 2, 1), end=AS_OF)
        seed(session, as_of=AS_OF, people_per_enterprise=12, enterprises=scenario_enterprises(settings), rng_seed=1)
    control_stage(DemoContext(settings=settings))
    yield settings, engine
    engine.dispose()
