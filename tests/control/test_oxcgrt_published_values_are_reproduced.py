"""The outside yardstick: OxCGRT's own published indicator values for the United Kingdom and its
four nations, every day of 2020, through our reader and the oxcgrt-v3.6 preset, give OxCGRT's
published index values exactly (7,320 values). The extract (CC BY 4.0) ships with the tests in
tests/control/data/oxcgrt/ (README.md: source, commit, licence; scripts/build_oxcgrt_extract.py
rebuilds it)."""

import datetime as dt
import csv
from decimal import Decimal, ROUND_HALF_UP
from pathlib import Path

from fugong.control.engine import compute
from fugong.control.feeds import read_feed

from tests.control.helpers import oxcgrt

EXTRACT = Path(__file__).parent / "data" / "oxcgrt"


def _published():
    path = EXTRACT / "gbr-2020-published.csv"
    with path.open(encoding="utf-8") as handle:
        return {(r["region_code"], dt.date.fromisoformat(r["date"]), r["index"]): r["value"]
                for r in csv.DictReader(handle)}


def test_every_published_index_value_of_2020_is_reproduced():
    feed = read_feed(EXTRACT / "gbr-2020-indicators.csv", model=oxcgrt())
    assert feed.rejects == []
    assert len(feed.rows) == 29280  # 5 regions × 366 days × 16 indicators
    published = _published()
    ours = {(r.region_code, r.date, r.index): r for r in compute(oxcgrt(), feed.observations)}
    assert len(published) == 7320
    mismatches = [(key, value, ours[key].value) for key, value in published.items()
                  if str(ours[key].value) != value]
    assert mismatches == []


def test_half_up_rounding_would_not_reproduce_them():
    feed = read_feed(EXTRACT / "gbr-2020-indicators.csv", model=oxcgrt())
    published = _published()
    ours = {(r.region_code, r.date, r.index): r for r in compute(oxcgrt(), feed.observations)}
    half_up = sum(1 for key, value in published.items()
                  if str((Decimal(ours[key].exact.numerator) / Decimal(ours[key].exact.denominator))
                         .quantize(Decimal("0.01"), ROUND_HALF_UP)) != value)
    assert half_up > 0
