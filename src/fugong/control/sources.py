"""Where indicator values come from: a registry of indicator sources inside fugong.

An indicator source is a function that returns one value per region and day from fugong's own
data (cases, health codes, the resumption index, filings, demands). A package adds its indicators
by placing a module ``control_indicators.py`` in its folder — found at run time, nothing to
register elsewhere — with a few lines each::

    # src/fugong/resumption/control_indicators.py
    from fugong.control.sources import indicator_source

    @indicator_source("filings_approved", zh="已批准复工备案", en="Filings approved", unit="count")
    def filings_approved(ctx):
        # ctx.session (SQLAlchemy), ctx.settings, ctx.start, ctx.end (dates, inclusive)
        for region_code, day, count in ...:
            yield region_code, day, count

A source yields ``(region_code, date, value)`` (value a number; None or NaN are skipped: a value
that is not there is missing, never zero). ``ctx.cache`` is a dict shared by the sources of one
run (for an intermediate two sources need). External feeds (public transport, checkpoints, …)
arrive through ``fugong control feeds load`` instead (fugong.control.feeds).
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import math
import pkgutil
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndicatorSource:
    code: str
    zh: str
    en: str
    unit: str
    package: str  # the fugong package that computes it ("risk", "healthcode", "index", …)
    compute: Callable[["SourceContext"], Iterable[tuple[str, dt.date, float | None]]]


@dataclass
class SourceContext:
    settings: Any
    session: Any
    start: dt.date
    end: dt.date
    cache: dict = field(default_factory=dict)

    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=n) for n in range((self.end - self.start).days + 1)]


_REGISTRY: dict[str, IndicatorSource] = {}


def indicator_source(code: str, *, zh: str, en: str, unit: str = "", package: str | None = None):
    """Register the decorated function as the source of indicator ``code``."""

    def register(function):
        owner = package or function.__module__.split(".")[1]
        existing = _REGISTRY.get(code)
        if existing is not None and existing.compute.__qualname__ != function.__qualname__:
            raise ValueError(f"indicator {code!r} already has a source in package {existing.package}")
        _REGISTRY[code] = IndicatorSource(code, zh, en, unit, owner, function)
        return function

    return register


def discover() -> dict[str, IndicatorSource]:
    """Every registered source: fugong.control.builtin plus each package's control_indicators module."""
    import fugong

    importlib.import_module("fugong.control.builtin")
    for info in pkgutil.iter_modules(fugong.__path__):
        if not info.ispkg:
            continue
        name = f"fugong.{info.name}.control_indicators"
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
    return dict(sorted(_REGISTRY.items()))


def collect(ctx: SourceContext, codes: Iterable[str] | None = None) -> tuple[list[tuple[str, dt.date, str, float]], dict]:
    """Run the sources (all, or those of ``codes``) for ctx's days.

    Returns (rows (region_code, date, indicator, value), {indicator: rows or the error text}). A
    source that fails is reported, not fatal: the others still count.
    """
    registry = discover()
    wanted = [c for c in (codes if codes is not None else registry) if c in registry]
    rows: list[tuple[str, dt.date, str, float]] = []
    report: dict[str, Any] = {}
    for code in wanted:
        source = registry[code]
        try:
            produced = 0
            for region_code, day, value in source.compute(ctx) or ():
                if value is None or (isinstance(value, float) and not math.isfinite(value)):
                    continue
                if not ctx.start <= day <= ctx.end:
                    continue
                rows.append((str(region_code), day, code, float(value)))
                produced += 1
            report[code] = produced
        except Exception as exc:  # noqa: BLE001 - one broken source must not stop the daily run
            log.exception("indicator source %s failed", code)
            report[code] = f"error: {type(exc).__name__}: {exc}"
    return rows, report
