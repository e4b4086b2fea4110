"""Small builders for the control tests: observations and one-line models."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from fugong.control.engine import Observation, compute
from fugong.control.model import load_model, parse_model


def obs(indicator: str, value, flag=None, *, region: str = "X", day: str = "2021-05-05") -> Observation:
    return Observation(region, dt.date.fromisoformat(day), indicator, Fraction(str(value)), flag)


def results_by_index(model, observations, **kwargs) -> dict:
    """{index code: Result} for a single region and day."""
    return {r.index: r for r in compute(model, observations, **kwargs)}


def oxcgrt():
    return load_model("oxcgrt-v3.6")


def model_of(indicators: list[dict], indices: list[dict], **top) -> object:
    return parse_model({"name": "t", "title_zh": "测试", "title_en": "test", "source": "test",
                        "region_codes": "any", "indicators": indicators, "indices": indices, **top},
                       source="test.toml")
