"""The demo's synthetic county series adds up to the real city series, for all 90 counties."""

import datetime as dt

from fugong.risk.cases import prepare
from fugong.risk.demo import city_cases, synthetic_county_cases


def test_county_cases_sum_to_the_real_city_totals_and_cover_90_counties():
    cities = city_cases()
    counties = synthetic_county_cases(cities, seed=1)
    assert counties["region_code"].nunique() == 90
    real = prepare(cities, population_of=None).daily.query("level == 'city'")
    real_totals = real.groupby("region_code")["new_confirmed"].sum()
    synthetic = counties.assign(city=counties["region_code"].str[:4] + "00").groupby("city")["new_confirmed"].sum()
    assert synthetic.to_dict() == real_totals.to_dict()


def test_the_split_is_reproducible_with_the_seed():
    cities = city_cases()
    a = synthetic_county_cases(cities, seed=7)
    b = synthetic_county_cases(cities, seed=7)
    assert a.equals(b)
    assert a[a.date == dt.date(2020, 2, 1)]["new_confirmed"].sum() > 0
