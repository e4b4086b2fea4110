"""A package adds an indicator to the registry with a decorator in its ``control_indicators``
module; a run stores what it yields with the package as source, skips missing values and
survives a broken source."""

import datetime as dt

from fugong.control import sources
from fugong.control.sources import SourceContext, collect, discover, indicator_source


def test_the_builtin_sources_are_registered_with_their_packages():
    registry = discover()
    assert registry["new_local_7d_per_100k"].package == "risk"
    assert registry["hc_green_share"].package == "healthcode"
    assert registry["resumption_index"].package == "index"
    assert {"resumption_N", "resumption_E", "hc_coverage", "hc_red_people"} <= set(registry)


def test_a_new_source_in_a_few_lines_is_collected(monkeypatch):
    monkeypatch.setattr(sources, "_REGISTRY", dict(sources._REGISTRY))

    @indicator_source("filings_approved", zh="已批准复工备案", en="Filings approved", unit="count", package="resumption")
    def filings_approved(ctx):
        yield "330110", ctx.end, 12
        yield "330110", ctx.end - dt.timedelta(days=1), None  # missing, not zero
        yield "330110", ctx.end + dt.timedelta(days=9), 3  # outside the run's days

    @indicator_source("demands_resolved", zh="已办结诉求", en="Demands resolved", package="desk")
    def demands_resolved(ctx):
        raise RuntimeError("desk database offline")

    ctx = SourceContext(settings=None, session=None, start=dt.date(2020, 2, 14), end=dt.date(2020, 2, 20))
    rows, report = collect(ctx, ["filings_approved", "demands_resolved"])
    assert rows == [("330110", dt.date(2020, 2, 20), "filings_approved", 12.0)]
    assert report["filings_approved"] == 1
    assert report["demands_resolved"].startswith("error: RuntimeError: desk database offline")
    assert discover()["filings_approved"].package == "resumption"


def test_a_second_source_for_the_same_indicator_is_refused(monkeypatch):
    # The built-in sources register when their packages are discovered; on a worker that has not run
    # discover() yet the registry was empty and the second source was the first (a flaky test).
    monkeypatch.setattr(sources, "_REGISTRY", dict(discover()))
    import pytest

    with pytest.raises(ValueError, match="already has a source"):
        @indicator_source("resumption_index", zh="x", en="x", package="other")
        def another(ctx):
            return []
