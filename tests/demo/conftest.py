"""One small synthetic Zhejiang (scale 0.03: 10,003 enterprises, 300 interval meters), shared by the demo tests."""

from __future__ import annotations

import datetime as dt

import pytest

SCALE = 0.03
SEED = 20200210


@pytest.fixture(scope="session")
def scenario(tmp_path_factory):
    from fugong.demo.scenario import generate

    return generate(out_dir=tmp_path_factory.mktemp("scenario"), scale=SCALE, seed=SEED)


@pytest.fixture(scope="session")
def province_index(scenario):
    """fugong's engine on the scenario: {date: row} of the province level, 2020-02-03..02-20."""
    import pyarrow.parquet as pq

    from fugong.index.compute import Window
    from fugong.index.service import compute

    tables = compute(
        readings=[scenario.daily],
        enterprises=pq.read_table(scenario.enterprises),
        period=Window(dt.date(2020, 2, 3), dt.date(2020, 2, 20)),
        levels=("province", "city", "county"),
    )
    return {level: table.to_pylist() for level, table in tables.items()}


# The demo command as a user runs it, twice on one data directory, with debug logs (the secret key it
# generates is in secret.key): tests/demo/test_demo_command.py reads its progress and results,
# test_logs_hold_no_secrets.py serves the same data and searches every log, and the browser tests of
# tests/e2e serve a copy of it made before any test ran (demo_server). One run serves them all (each
# is a minute of CI); the xdist group "demo" keeps them on the worker that holds it.
