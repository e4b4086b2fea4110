"""Per-enterprise results: first-resumption date, never-stopped cohort, load-shape flags (Ibis).

First resumption: the first working day of a run of ``k`` consecutive working days on which the
enterprise resumed (kWh ≥ θ·B), counting working days from ``start`` (2020-02-10) to the end of the
period. Rest days neither break nor extend a run; a working day without a reading breaks it (the
resumption cannot be confirmed that day). Runs are clipped at ``start``: a plant already running on
``start`` gets ``start`` (it is also in the never-stopped cohort if it ran through the holiday).

Never stopped: mean of kWh/B over the days with a reading in the holiday core (2020-01-25..02-09)
≥ 0.9. Such enterprises stay in N, E and R and are reported as their own cohort.

Load-shape flags (interval data; thresholds in ``FlagParams``, reasoning in docs/index.md). A real
factory has a day/night shape; an idle machine run to look resumed draws a flat 24-hour load near
a constant, so on the days it counts as resumed its profile is flat, its night/day ratio jumps
against its own reference days, and its daily kWh sits just above θ·B:

    shape days      days from ``start`` with ≥ 90 % of intervals on which the enterprise resumed
    reference days  days in ``reference`` with ≥ 90 % of intervals and kWh ≥ θ·B (operating days)
    flat_profile    mean flatness (CV) on shape days < flat_cv, and the reference (if any) was not
                    flat (mean CV ≥ reference_min_cv) — continuous-process plants are flat always
    night_jump      mean night/day on shape days − mean on reference days ≥ night_jump
    near_threshold  ≥ min_days shape days and a share ≥ near_share of them with θ ≤ kWh/B < near_factor·θ
    idle_suspect    at least two of the three
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fugong.index.compute import IndexParams, Window, baselines, calendar_table, enterprise_days, f64
from fugong.index.params import FlagParams  # defined beside the index's parameters: a one-day run reads it without Ibis


def first_resumption(days: ir.Table, *, flags: FlagParams, period: Window, closures: tuple[str, ...] = ()) -> ir.Table:
    """enterprise_id, first_resumption (date) for enterprises with a qualifying run."""
    cal = calendar_table(Window(flags.start, period.end).days(), closures=closures)
    work = cal.filter(cal.workday)
    d = days.join(work, "date").filter(lambda t: t.resumed == 1)
    rn = ibis.row_number().over(group_by=d.enterprise_id, order_by=d.workday_no)
    runs = d.mutate(run=d.workday_no - rn.cast("int64"))
    runs = runs.group_by(["enterprise_id", "run"]).aggregate(run_start=runs.date.min(), length=runs.count())
    runs = runs.filter(runs.length >= flags.k)
    return runs.group_by("enterprise_id").aggregate(first_resumption=runs.run_start.min())


def never_stopped(days: ir.Table, *, flags: FlagParams) -> ir.Table:
    """enterprise_id, holiday_ratio, never_stopped over the holiday core."""
    core = days.filter(days.date.between(ibis.literal(flags.holiday_core.start, type="date"), ibis.literal(flags.holiday_core.end, type="date")))
    agg = core.group_by("enterprise_id").aggregate(holiday_ratio=(core.kwh / core.baseline).mean())
    return agg.mutate(never_stopped=agg.holiday_ratio >= f64(flags.never_stopped_ratio))


def shape_flags(features: ir.Table, base: ir.Table, *, flags: FlagParams, params: IndexParams, period: Window) -> ir.Table:
    """Load-shape features and flags per enterprise with interval data (see the module docstring)."""
    f = features.filter(features.completeness >= f64(flags.min_completeness))
    j = f.join(base.select("enterprise_id", "baseline"), "enterprise_id")
    j = j.filter(j.baseline > f64(params.min_baseline_kwh))
    ratio = j.kwh / j.baseline
    theta = f64(params.theta)
    j = j.mutate(ratio=ratio)
    d0, d1 = ibis.literal(flags.start, type="date"), ibis.literal(period.end, type="date")
    obs = j.filter(j.date.between(d0, d1) & (j.ratio >= theta))
    near = (obs.ratio < theta * f64(flags.near_factor)).cast("float64")
    obs_agg = obs.group_by("enterprise_id").aggregate(
        shape_days=obs.count(),
        obs_flatness=obs.flatness.mean(),
        obs_night_day=obs.night_day_ratio.mean(),
        near_share=near.mean(),
    )
    r0, r1 = ibis.literal(flags.reference.start, type="date"), ibis.literal(flags.reference.end, type="date")
    ref = j.filter(j.date.between(r0, r1) & (j.ratio >= theta))
    ref_agg = ref.group_by("enterprise_id").aggregate(
        reference_days=ref.count(), ref_flatness=ref.flatness.mean(), ref_night_day=ref.night_day_ratio.mean()
    )
    m = obs_agg.left_join(ref_agg, "enterprise_id")
    m = m.select(*[c for c in obs_agg.columns], m.reference_days, m.ref_flatness, m.ref_night_day)
    flat = (m.obs_flatness < f64(flags.flat_cv)) & (m.ref_flatness.isnull() | (m.ref_flatness >= f64(flags.reference_min_cv)))
    jump = (m.obs_night_day - m.ref_night_day) >= f64(flags.night_jump)
    close = (m.shape_days >= flags.min_days) & (m.near_share >= f64(flags.near_share))
    flat, jump, close = flat.fill_null(False), jump.fill_null(False), close.fill_null(False)
    votes = flat.cast("int64") + jump.cast("int64") + close.cast("int64")
    return m.mutate(flat_profile=flat, night_jump=jump, near_threshold=close, idle_suspect=votes >= 2)


def days_read(period: Window, flags: FlagParams) -> Window:
    """The days the per-enterprise results read (besides the baseline window): the holiday core (never
    stopped) and the days from ``flags.start`` (first resumption); earlier days of the period change
    neither (a period from 2019-10-01 read 183 days)."""
    return Window(min(flags.holiday_core.start, flags.start), period.end)


def enterprise_results(
    readings: ir.Table,
    enterprises: ir.Table,
    *,
    period: Window,
    params: IndexParams,
    flags: FlagParams = FlagParams(),
    features: ir.Table | None = None,
    stored: ir.Table | None = None,
) -> ir.Table:
    """One row per enterprise: baseline, eligibility, first resumption, cohort, flags.

    ``stored``: the baselines (enterprise_id, baseline, baseload) of ``compute.baselines`` for these
    params, already computed — they do not depend on the period but for the lunar method — so that
    only the readings of ``days_read`` are used."""
    span = days_read(period, flags)
    base = stored if stored is not None else baselines(readings, params=params, period=span)
    if "date" in base.columns:  # the lunar method has per-day baselines; use their mean per enterprise
        base = base.group_by("enterprise_id").aggregate(baseline=base.baseline.mean(), baseload=base.baseload.mean())
    days = enterprise_days(readings, base, period=span, params=params)
    first = first_resumption(days, flags=flags, period=period, closures=params.closures)
    stopped = never_stopped(days, flags=flags)
    e = enterprises.select("enterprise_id", "county", "section", "category", "size_class")
    out = e.left_join(base, "enterprise_id").select(*e.columns, "baseline")
    eligible = out.baseline.notnull() & (out.baseline > f64(params.min_baseline_kwh))
    out = out.mutate(eligible=eligible.fill_null(False))
    out = out.left_join(first, "enterprise_id").select(*out.columns, "first_resumption")
    out = out.left_join(stopped, "enterprise_id").select(*out.columns, "holiday_ratio", "never_stopped")
    flag_cols = ["shape_days", "obs_flatness", "obs_night_day", "near_share", "reference_days", "ref_flatness", "ref_night_day",
                 "flat_profile", "night_jump", "near_threshold", "idle_suspect"]
    if features is not None:
        shapes = shape_flags(features, base, flags=flags, params=params, period=period)
        out = out.left_join(shapes, "enterprise_id").select(*out.columns, *flag_cols)
    ns = out.never_stopped.fill_null(False)
    cohort = ibis.cases(
        (~out.eligible, "ineligible"),
        (ns, "never-stopped"),
        (out.first_resumption.notnull(), "resumed"),
        else_="not-resumed",
    )
    return out.mutate(never_stopped=ns, cohort=cohort).order_by("enterprise_id")
