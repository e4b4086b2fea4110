"""cn-national-2020 (Feb 2020 national county rule): every threshold, both sides."""


def test_a_county_that_never_had_a_case_is_low(level_of):
    assert level_of("cn-national-2020", ever_had_case=False, new_14d=0, cumulative=0, clusters_14d=0) == "low"


def test_no_new_case_in_14_days_is_low_even_above_50_cumulative(level_of):
    assert level_of("cn-national-2020", ever_had_case=True, new_14d=0, cumulative=300, clusters_14d=0) == "low"


def test_one_new_case_in_14_days_with_50_cumulative_is_medium(level_of):
    assert level_of("cn-national-2020", ever_had_case=True, new_14d=1, cumulative=50, clusters_14d=1) == "medium"


def test_51_cumulative_with_a_cluster_in_14_days_is_high(level_of):
    assert level_of("cn-national-2020", ever_had_case=True, new_14d=1, cumulative=51, clusters_14d=1) == "high"


def test_51_cumulative_without_a_cluster_in_14_days_is_medium(level_of):
    assert level_of("cn-national-2020", ever_had_case=True, new_14d=1, cumulative=51, clusters_14d=0) == "medium"


def test_the_severities_are_0_2_4_so_other_modules_can_compare_rule_sets():
    from fugong.risk.rules import load_rules

    rules = load_rules("cn-national-2020")
    assert [lv.severity for lv in rules.graded_levels] == [0, 2, 4]
