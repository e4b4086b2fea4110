"""Helpers for the risk tests: evaluate one region-day, build small case series."""

from __future__ import annotations

import datetime as dt

import pytest

from fugong.risk.grading import evaluate
from fugong.risk.rules import load_rules


@pytest.fixture
def level_of():
    """level_of("cn-national-2020", cumulative=51, ...) → the raw level key for those indicator values."""

    def level_of(preset: str, **values):
        rules = load_rules(preset)
        return evaluate({"missing": (), "fallbacks": (), **values}, rules).level

    return level_of


def series(code: str, start: str, new_counts: list[int], **columns) -> list[dict]:
    """Tidy rows: one per day from ``start`` with the given daily new counts (and constant columns)."""
    first = dt.date.fromisoformat(start)
    return [{"region_code": code, "date": first + dt.timedelta(days=i), "new_confirmed": n, **columns}
            for i, n in enumerate(new_counts)]


def frame(rows: list[dict]):
    import pandas as pd

    return pd.DataFrame(rows)
