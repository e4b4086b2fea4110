"""fugong's load-shape flags find the scenario's labelled idle-machine gamers (issue 3: recall ≥ 0.9,
false positives ≤ 5 % of the other interval meters).

Runs the documented CLI, ``fugong index first-resumption --meters … --intervals … --enterprises …``,
on a small scenario (1,000 enterprises, 150 interval meters of 15-minute data, 2020-01-01..02-29).
It takes ~7 s of CPU: the flags need the CLI's validation and features over ~860,000 interval rows.
"""

from __future__ import annotations

import duckdb
import pytest
from typer.testing import CliRunner

from fugong.cli import app
from fugong.demo.scenario import generate

pytestmark = pytest.mark.xdist_group("gamers")  # the module's scenario is generated once


@pytest.fixture(scope="module")
def flagged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("gamers")
    files = generate(out_dir=folder, scale=0.003, seed=20200210, interval_meters=150)
    out = folder / "firms.parquet"
    result = CliRunner().invoke(
        app,
        [
            "index", "first-resumption",
            "--meters", str(files.daily),
            "--intervals", str(files.interval),
            "--enterprises", str(files.enterprises),
            "--period", "2020-02-10:2020-02-29",
            "--out", str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    rows = duckdb.sql(
        f"""SELECT l.is_gamer, coalesce(f.idle_suspect, false) AS flagged
            FROM read_parquet('{files.labels}') l JOIN read_parquet('{out}') f USING (enterprise_id)
            WHERE l.in_interval_sample"""
    ).fetchall()
    return rows


def test_the_interval_sample_holds_enough_labelled_gamers(flagged):
    gamers = sum(1 for is_gamer, _ in flagged if is_gamer)
    assert len(flagged) == 150
    assert gamers >= 12


def test_the_flags_find_nine_in_ten_gamers(flagged):
    found = [flag for is_gamer, flag in flagged if is_gamer]
    assert sum(found) / len(found) >= 0.9


def test_the_flags_accuse_at_most_five_percent_of_honest_meters(flagged):
    accused = [flag for is_gamer, flag in flagged if not is_gamer]
    assert sum(accused) / len(accused) <= 0.05
