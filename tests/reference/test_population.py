"""Population per region: census figures for provinces, demo figures for Zhejiang's counties, roll-up."""

import csv
from pathlib import Path

import pytest

from fugong.reference import regions

POPULATION = Path(regions.__file__).parent / "data" / "regions" / "population.csv"
# Seventh national census (2020): Zhejiang 64,567,588; Hangzhou 11,936,010 (published figures).
ZHEJIANG_2020 = 64_567_588
HANGZHOU_2020 = 11_936_010


def test_a_province_has_its_census_figure():
    assert regions.population("330000") == ZHEJIANG_2020


@pytest.mark.parametrize("vintage", ["2020", "2021"])
def test_a_city_without_a_row_is_the_sum_of_its_counties(vintage):
    assert regions.population("330100", vintage=vintage) == HANGZHOU_2020
    counties = regions.children("3301", level="county", vintage=vintage)
    assert sum(regions.population(r.code, vintage=vintage) for r in counties) == HANGZHOU_2020


@pytest.mark.parametrize("vintage", ["2020", "2021"])
def test_every_zhejiang_county_has_a_figure(vintage):
    counties = regions.children("33", level="county", vintage=vintage)
    figures = [regions.population(r.code, vintage=vintage) for r in counties]
    assert len(figures) == 90 and all(n and n > 0 for n in figures)
    assert sum(figures) == ZHEJIANG_2020


def test_a_county_abolished_in_2021_has_a_figure_only_in_2020():
    assert regions.population("330104", vintage="2020") > 0
    assert regions.population("330104", vintage="2021") is None


def test_a_region_without_figures_gives_none():
    assert regions.population("110101") is None  # Beijing's districts have no rows
    assert regions.population("999999") is None


def test_a_municipality_has_its_census_figure():
    assert regions.population("110000") == 21_893_095


def test_the_county_figures_are_labelled_as_demo_figures():
    with POPULATION.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    counties = [r for r in rows if not r["code"].endswith("00")]
    assert counties and all("demo figures, not official statistics" in r["source"] for r in counties)
    assert "demo figures" in regions.population_source("330110")
    assert regions.population_source("330100") == "sum of children"


def test_the_file_names_a_known_vintage_and_year_on_every_row():
    with POPULATION.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert {r["vintage"] for r in rows} <= set(regions.VINTAGES)
    assert {r["year"] for r in rows} == {"2020"}
    for row in rows:
        assert regions.find(row["code"], vintage=row["vintage"]) is not None, row
