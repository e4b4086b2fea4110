"""Every IndexParams field is saved beside the results by `fugong index run` and restored by the
readers (the dashboard): a new field that is not saved fails here."""

import dataclasses
import datetime as dt

from fugong.index.compute import IndexParams, Window
from fugong.index.service import read_params, write_params


def _other_value(field, default):
    """A valid value different from the default, for every kind of field IndexParams has."""
    special = {"baseline_method": "median", "energy_numerator": "all", "category_set": "zhejiang-2020",
               "closures": ("zhejiang-2020",), "band_names": ("低", "中", "高", "很高"), "band_cutoffs": (20.0, 50.0, 80.0),
               "baseload_window": Window(dt.date(2019, 12, 1), dt.date(2019, 12, 31))}
    if field.name in special:
        return special[field.name]
    if isinstance(default, bool):
        return not default
    if isinstance(default, float):
        return default + 0.125
    if isinstance(default, Window):
        return Window(default.start - dt.timedelta(days=7), default.end - dt.timedelta(days=3))
    raise AssertionError(f"IndexParams.{field.name}: teach this test a value for it, and make sure it is saved")


def test_every_field_survives_the_round_trip_through_params_json(settings_env):
    from fugong.config import get_settings

    changed = {f.name: _other_value(f, getattr(IndexParams(), f.name)) for f in dataclasses.fields(IndexParams)}
    params = IndexParams(**changed)
    assert all(getattr(params, name) != getattr(IndexParams(), name) for name in changed)
    write_params(get_settings(), period=Window(dt.date(2020, 2, 1), dt.date(2020, 2, 29)), params=params)
    restored, doc = read_params(get_settings())
    assert restored == params
    assert doc["period"] == "2020-02-01:2020-02-29"
