"""zj-five-colour-2020 (our calibration): each points band, each adjustment, each score cut-off."""

import pytest

BASE = {"cumulative": 0, "local_share_pct": 0, "clusters_14d": 0, "days_since_last_new": 0}


def score_of(**values):
    from fugong.risk.grading import evaluate
    from fugong.risk.rules import load_rules

    return evaluate({"missing": (), "fallbacks": (), **BASE, **values}, load_rules("zj-five-colour-2020")).score


@pytest.mark.parametrize(("cumulative", "points"), [(0, 0), (1, 10), (4, 10), (5, 20), (9, 20), (10, 30),
                                                     (29, 30), (30, 40), (49, 40), (50, 50)])
def test_cumulative_cases_score_by_band(cumulative, points):
    assert score_of(cumulative=cumulative) == points


@pytest.mark.parametrize(("share", "points"), [(19.9, 0), (20, 5), (49.9, 5), (50, 10), (79.9, 10), (80, 15)])
def test_local_share_scores_by_band(share, points):
    assert score_of(local_share_pct=share) == points


@pytest.mark.parametrize(("clusters", "points"), [(0, 0), (1, 15), (2, 25), (3, 35)])
def test_clusters_in_14_days_score_by_band(clusters, points):
    assert score_of(clusters_14d=clusters) == points


@pytest.mark.parametrize(("days", "score"), [(2, 50), (3, 35), (6, 35), (7, 20)])
def test_3_and_7_case_free_days_lower_the_score_and_only_the_larger_applies(days, score):
    assert score_of(cumulative=50, days_since_last_new=days) == score


@pytest.mark.parametrize(("cumulative", "clusters", "level"), [
    (0, 0, "green"),        # 0
    (1, 0, "blue"),         # 10: blue from 10
    (5, 0, "blue"),         # 20
    (1, 1, "yellow"),       # 25: yellow from 25
    (30, 0, "yellow"),      # 40
    (50, 0, "orange"),      # 50: orange from 45
    (30, 1, "orange"),      # 55
    (50, 1, "red"),         # 65: red from 65
])
def test_score_cut_offs(level_of, cumulative, clusters, level):
    assert level_of("zj-five-colour-2020", **{**BASE, "cumulative": cumulative, "clusters_14d": clusters}) == level


@pytest.mark.parametrize(("values", "score", "level"), [
    ({"cumulative": 5, "days_since_last_new": 3}, 5, "green"),     # below blue (10)
    ({"cumulative": 5}, 20, "blue"),                               # below yellow (25)
    ({"cumulative": 30}, 40, "yellow"),                            # below orange (45)
    ({"cumulative": 50, "local_share_pct": 50}, 60, "orange"),     # below red (65)
])
def test_just_below_each_cut_off_is_the_lower_level(level_of, values, score, level):
    assert score_of(**values) == score
    assert level_of("zj-five-colour-2020", **{**BASE, **values}) == level


def test_without_local_or_cluster_data_the_declared_fallbacks_apply_and_say_so():
    from fugong.risk.cases import prepare
    from fugong.risk.grading import grade
    from fugong.risk.rules import load_rules
    from tests.risk.conftest import frame, series

    graded = grade(prepare(frame(series("330110", "2020-02-01", [1]))).daily, load_rules("zj-five-colour-2020"))
    row = graded[graded.region_code == "330110"].iloc[0]
    assert row["score"] == 20  # 1 case → 10, local share taken as 50 % → 10
    assert any("本地病例占比按 50%" in r for r in row["reasons_zh"])
    assert any("clusters treated as absent" in r for r in row["reasons_en"])
