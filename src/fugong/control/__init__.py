"""Precision control index (精密智控指数): a composite-index engine with models as data.

    model.py    the model format (TOML) and its validation; presets/ holds oxcgrt-v3.6 and
                zj-precision-control-2020
    engine.py   scores, indices, the k−1 and recency rules, the display series, exact rounding
    feeds.py    the tidy indicator format (region_code, date, indicator, value[, flag][, note])

See docs/control.md.
"""
