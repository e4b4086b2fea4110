"""Windows end on the grading day, inclusive: new_3d on day t sums days t−2..t."""

import pytest

from fugong.risk.cases import prepare
from fugong.risk.indicators import compute, is_known_indicator
from tests.risk.conftest import frame, series


def indicators(rows, names):
    table = compute(prepare(frame(rows), population_of=None).daily, names)
    return table[table.region_code == "330110"].reset_index(drop=True)


def test_new_in_3_7_and_14_days_include_the_grading_day():
    counts = [1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]  # 16 days
    table = indicators(series("330110", "2020-02-01", counts), ["new_3d", "new_7d", "new_14d"])
    last = table.iloc[-1]
    assert (last["new_3d"], last["new_7d"], last["new_14d"]) == (4, 4, 6)  # day 4's 2 is 12 days back
    assert table.loc[3, "new_3d"] == 2 and table.loc[5, "new_3d"] == 2 and table.loc[6, "new_3d"] == 0


def test_days_since_last_new_case_and_ever_had_a_case():
    table = indicators(series("330110", "2020-02-01", [0, 3, 0, 0]), ["days_since_last_new", "ever_had_case"])
    assert table["ever_had_case"].tolist() == [False, True, True, True]
    assert table["days_since_last_new"].tolist()[1:] == [0, 1, 2]
    assert table["days_since_last_new"].isna().tolist()[0]


def test_local_share_clusters_positivity_and_rates():
    rows = series("330110", "2020-02-01", [4, 4], new_local=3, new_imported=1, cluster_events=1,
                  tests=1000, positives=20, population=200_000)
    names = ["local_share_pct", "clusters_7d", "positivity_7d_pct", "rate_14d_per_100k",
             "testing_rate_7d_per_100k", "avg_daily_7d_per_100k"]
    last = indicators(rows, names).iloc[-1]
    assert last["local_share_pct"] == 75
    assert last["clusters_7d"] == 2
    assert last["positivity_7d_pct"] == 2.0
    assert last["rate_14d_per_100k"] == 4.0           # 8 cases per 200,000
    assert last["testing_rate_7d_per_100k"] == 1000.0
    assert last["avg_daily_7d_per_100k"] == pytest.approx(8 / 7 / 2)


def test_indicator_names_are_checked():
    assert is_known_indicator("new_21d") and is_known_indicator("positivity_7d_pct")
    assert not is_known_indicator("new_0d") and not is_known_indicator("new_week")
