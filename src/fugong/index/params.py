"""The parameters of the index and its windows: plain data, no engine (``compute`` defines the index
with them; a one-day run reads them without importing Ibis).

The definition itself, symbol by symbol, is in ``fugong.index.compute``'s docstring.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

LEVELS = ("province", "city", "county", "industry", "category", "size")  # industry = GB/T 4754 section
# Column of the enterprises table that holds each level's group code.
LEVEL_COLUMN = {
    "province": "province",
    "city": "city",
    "county": "county",
    "section": "section",
    "industry": "section",
    "category": "category",
    "size": "size_class",
}
SUMS = ("reporting", "resumed", "baseline_kwh", "resumed_kwh", "total_kwh", "e_num", "e_den")

BaselineMethod = Literal["mean", "median", "workday-mean", "lunar"]


@dataclass(frozen=True)
class Window:
    """A closed date range start..end (both included)."""

    start: dt.date
    end: dt.date

    @classmethod
    def parse(cls, text: str) -> "Window":
        """'2019-10-01:2019-12-31' → Window."""
        try:
            a, b = text.split(":")
            window = cls(dt.date.fromisoformat(a.strip()), dt.date.fromisoformat(b.strip()))
        except ValueError:
            raise ValueError(f"{text!r} is not a date range START:END such as 2019-10-01:2019-12-31") from None
        if window.end < window.start:
            raise ValueError(f"{text!r}: the end is before the start")
        return window

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def __str__(self) -> str:
        return f"{self.start.isoformat()}:{self.end.isoformat()}"


@dataclass(frozen=True)
class IndexParams:
    """Every number of the definition (defaults: Zhejiang, Feb 2020)."""

    baseline: Window = Window(dt.date(2019, 10, 1), dt.date(2019, 12, 31))
    theta: float = 0.3
    weight: float = 0.5
    min_baseline_kwh: float = 0.0
    baseline_method: BaselineMethod = "mean"
    energy_numerator: Literal["resumed", "all"] = "resumed"
    baseload: bool = False
    # L_i window (default: the baseline window); the lowest daily kWh in it is the closed-state level.
    baseload_window: Window | None = None
    # Index bands: R below the first cut-off → first band, etc. (illustrative presets, configurable).
    band_cutoffs: tuple[float, ...] = (30.0, 60.0)
    band_names: tuple[str, ...] = ("抑制 suppressed", "恢复 recovering", "企稳 stabilised")
    # Closures (e.g. "zhejiang-2020") applied to the working-day calendar.
    closures: tuple[str, ...] = ()
    category_set: str = "jiangsu-2020"

    def to_dict(self) -> dict:
        """Every field as JSON-ready values (windows as 'START:END', tuples as lists): what
        ``fugong index run`` saves beside its results, so that readers use exactly these rules."""
        import dataclasses

        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = str(value) if isinstance(value, Window) else list(value) if isinstance(value, tuple) else value
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "IndexParams":
        """The inverse of ``to_dict`` (unknown keys are ignored; missing ones keep their defaults)."""
        import dataclasses

        kwargs = {}
        for f in dataclasses.fields(cls):
            if f.name not in data:
                continue
            value, kind = data[f.name], str(f.type)
            if value is not None and "Window" in kind:
                value = Window.parse(value)
            elif value is not None and "tuple" in kind:
                value = tuple(value)
            kwargs[f.name] = value
        return cls(**kwargs)

    def band(self, index: float | None) -> str | None:
        if index is None:
            return None
        for cut, name in zip(self.band_cutoffs, self.band_names):
            if index < cut:
                return name
        return self.band_names[len(self.band_cutoffs)]


@dataclass(frozen=True)
class FlagParams:
    """The per-enterprise results' rules (``cohorts``: first resumption, never stopped, load-shape flags)."""

    start: dt.date = dt.date(2020, 2, 10)
    k: int = 3
    holiday_core: Window = Window(dt.date(2020, 1, 25), dt.date(2020, 2, 9))
    never_stopped_ratio: float = 0.9
    reference: Window = Window(dt.date(2019, 10, 1), dt.date(2020, 1, 19))
    min_completeness: float = 0.9
    flat_cv: float = 0.15
    reference_min_cv: float = 0.25
    night_jump: float = 0.3
    near_factor: float = 1.5
    near_share: float = 0.8
    min_days: int = 3

    def to_dict(self) -> dict:
        """Every field as JSON-ready values (dates and windows as text)."""
        import dataclasses

        values = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        return {name: value if isinstance(value, (int, float)) else str(value) for name, value in values.items()}
