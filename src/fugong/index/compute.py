"""The electricity resumption index, written once as Ibis expressions (DuckDB or Spark run it).

Definition (State Grid Zhejiang, Feb 2020; DESIGN.md §2), every number a setting in ``IndexParams``:

    B_i   baseline: mean daily kWh of enterprise i over the baseline window, over days with a
          reading (zeros count, missing days do not); options: working days only, median, or the
          same lunar period of the previous year aligned on working days (a per-day baseline)
    L_i   closed-state level (baseload option only): lowest daily kWh in the baseload window
    eligible        B_i > min_baseline_kwh (and B_i > L_i with the baseload option)
    resumed_i(t)    kWh_i(t) >= θ·B_i            (baseload: kWh − L >= θ·(B − L))
    I_g(t)          eligible enterprises of group g with a reading on day t ("reporting")
    N = resumed / |I_g(t)|;  E = Σ_resumed kWh / Σ_{I_g(t)} B_i  (option: Σ of all kWh;
                                 baseload: Σ (kWh − L) / Σ (B − L));  R = 100·(w·N + (1 − w)·E)

Shape of the data through the functions::

    readings     enterprise_id, date, kwh
    baselines    enterprise_id, baseline, baseload [, date for the lunar method]
    enterprise_days   enterprise_id, date, kwh, baseline, resumed (0/1), e_num, e_den [, gid]
    fine         date, county, city, province, section, category, size_class,
                 reporting, resumed, baseline_kwh, resumed_kwh, total_kwh [, e_num, e_den]
                 (e_num, e_den only when they differ from resumed_kwh, baseline_kwh)
    level rows   date, code, enterprises, reporting, resumed, baseline_kwh, resumed_kwh,
                 total_kwh, resumed_share, energy_ratio, index

Sums and counts are additive, so every breakdown level is a roll-up of ``fine``; the
enterprise-day facts are computed once. Numeric literals are cast to float64 because DuckDB
reads ``0.3`` as DECIMAL, which halved the speed in a test.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import ibis
import ibis.expr.types as ir

# Re-exported: the parameters live in ``params`` so that a one-day run need not import Ibis.
from fugong.index.params import LEVEL_COLUMN, LEVELS, SUMS, BaselineMethod, IndexParams, Window  # noqa: F401


def f64(value: float) -> ir.FloatingScalar:
    """A float64 literal (DuckDB would make 0.3 a DECIMAL)."""
    return ibis.literal(float(value), type="float64")


def _date(value: dt.date) -> ir.DateScalar:
    return ibis.literal(value, type="date")


def calendar_table(days: list[dt.date], *, closures: tuple[str, ...] = ()) -> ir.Table:
    """date, workday (bool), workday_no (working days so far, this one included; no nulls, because
    Spark receives memtables through pandas, where a nullable integer column becomes NaN)."""
    import pyarrow as pa

    from fugong.reference.workdays import CLOSURES, is_workday

    chosen = tuple(CLOSURES[name] for name in closures)
    flags = [is_workday(d, closures=chosen) for d in days]
    numbers, n = [], 0
    for flag in flags:
        n += flag
        numbers.append(n)
    table = pa.table(
        {"date": pa.array(days, pa.date32()), "workday": pa.array(flags), "workday_no": pa.array(numbers, pa.int64())}
    )
    return ibis.memtable(table)


def lunar_pairs(period: Window, *, closures: tuple[str, ...] = ()) -> ir.Table:
    """date, ref_date: each day of the period and its lunar-aligned working-day twin a year before."""
    import pyarrow as pa

    from fugong.reference.workdays import CLOSURES, same_period_last_year

    chosen = tuple(CLOSURES[name] for name in closures)
    pairs = same_period_last_year(period.start, period.end, working_days=True, closures=chosen)
    return ibis.memtable(
        pa.table({"date": pa.array([p[0] for p in pairs], pa.date32()), "ref_date": pa.array([p[1] for p in pairs], pa.date32())})
    )


def _statistic(kwh: ir.FloatingColumn, params: IndexParams, where=None) -> ir.FloatingScalar:
    """B over the rows ``where`` selects: the median or the mean (mean and workday-mean)."""
    return kwh.median(where=where) if params.baseline_method == "median" else kwh.mean(where=where)


def _workdays(window: Window, params: IndexParams) -> list[dt.date]:
    from fugong.reference.workdays import CLOSURES, is_workday

    chosen = tuple(CLOSURES[name] for name in params.closures)
    return [d for d in window.days() if is_workday(d, closures=chosen)]


def baselines(readings: ir.Table, *, params: IndexParams, period: Window | None = None) -> ir.Table:
    """Per-enterprise baseline B and closed-state level L → enterprise_id, baseline, baseload [, date].

    Missing days are absent rows, so the mean runs over the days that have a reading (zeros count).
    """
    window = params.baseline
    r = readings
    if params.baseline_method == "lunar":
        if period is None:
            raise ValueError("the lunar baseline needs the period")
        pairs = lunar_pairs(period, closures=params.closures)
        ref = r.select(enterprise_id=r.enterprise_id, ref_date=r.date, baseline=r.kwh.cast("float64"))
        base = ref.join(pairs, "ref_date").select("enterprise_id", "date", "baseline")
    else:
        in_window = r.filter(r.date.between(_date(window.start), _date(window.end)))
        if params.baseline_method == "workday-mean":
            cal = calendar_table(window.days(), closures=params.closures)
            in_window = in_window.join(cal.filter(cal.workday), "date").select(r.enterprise_id, r.date, r.kwh)
        base = in_window.group_by("enterprise_id").aggregate(baseline=_statistic(in_window.kwh.cast("float64"), params))
    if not params.baseload:
        return base.mutate(baseload=f64(0.0))
    lw = params.baseload_window or window
    low = (
        r.filter(r.date.between(_date(lw.start), _date(lw.end)))
        .group_by("enterprise_id")
        .aggregate(baseload=lambda t: t.kwh.cast("float64").min())
    )
    joined = base.join(low, "enterprise_id")
    return joined.select(*[c for c in base.columns], joined.baseload)


def baseline_aggregates(readings: ir.Table, *, params: IndexParams, accepted: ir.BooleanValue | None = None) -> dict | None:
    """The per-enterprise B (and L) of ``baselines`` as aggregates over *every* row of ``readings``
    (each with its window as a FILTER), for a caller that groups the readings by enterprise anyway —
    ``fugong index compute`` checks a file with one aggregate per enterprise, and computing B in the
    same pass spares the engine a pass of its own. ``accepted``: the rows that count (others are
    read but skipped). Returns {'baseline': …, 'baseload': …} (``baseload`` only with the option),
    or None for the lunar method, whose B is per day. An enterprise without a reading in the window
    gets a null B (or L), which ``_eligible`` drops as ``baselines`` drops its absent row.
    """
    if params.baseline_method == "lunar":
        return None
    r, window = readings, params.baseline

    def rows(w: Window, *more):
        cond = r.date.between(_date(w.start), _date(w.end))
        for extra in (*more, accepted):
            cond = cond if extra is None else cond & extra
        return cond

    kwh = r.kwh.cast("float64")
    workdays = r.date.isin([_date(d) for d in _workdays(window, params)]) if params.baseline_method == "workday-mean" else None
    out = {"baseline": _statistic(kwh, params, rows(window, workdays))}
    if params.baseload:
        out["baseload"] = kwh.min(where=rows(params.baseload_window or window))
    return out


def stored_baselines(table: ir.Table, *, params: IndexParams) -> ir.Table:
    """enterprise_id, baseline, baseload from a table holding ``baseline_aggregates``' columns."""
    baseload = table.baseload if params.baseload else f64(0.0)
    return table.select("enterprise_id", baseline=table.baseline, baseload=baseload)


def enterprise_days(readings: ir.Table, base: ir.Table, *, period: Window, params: IndexParams) -> ir.Table:
    """One row per eligible enterprise with a reading on a day of the period, with its resumed fact.

    A ``gid`` column of ``base`` (the enterprise's attribute combination, see ``attribute_keys``)
    is carried through, so the breakdowns need no second join on the enterprise id.
    """
    r = readings.filter(readings.date.between(_date(period.start), _date(period.end)))
    keys = ["enterprise_id", "date"] if "date" in base.columns else ["enterprise_id"]
    j = r.join(base, keys)
    j = j.filter(j.baseline > f64(params.min_baseline_kwh))
    kwh = j.kwh.cast("float64")
    theta = f64(params.theta)
    if params.baseload:
        j = j.filter(j.baseline > j.baseload)
        excess, span = kwh - j.baseload, j.baseline - j.baseload
        resumed = excess >= theta * span
        num_all, den = excess, span
    else:
        resumed = kwh >= theta * j.baseline
        num_all, den = kwh, j.baseline
    numerator = num_all if params.energy_numerator == "all" else ibis.ifelse(resumed, num_all, f64(0.0))
    extra = {"gid": j.gid} if "gid" in base.columns else {}
    return j.select(
        enterprise_id=j.enterprise_id,
        date=j.date,
        kwh=kwh,
        baseline=j.baseline,
        baseload=j.baseload,
        resumed=ibis.ifelse(resumed, 1, 0).cast("int64"),
        e_num=numerator,
        e_den=den,
        **extra,
    )


def _separate_energy_sums(params: IndexParams) -> bool:
    """Whether E needs its own sums: by default e_num = resumed_kwh and e_den = baseline_kwh."""
    return params.baseload or params.energy_numerator == "all"


def _sums(t: ir.Table, params: IndexParams) -> dict:
    sums = dict(
        reporting=t.count(),
        resumed=t.resumed.sum(),
        baseline_kwh=t.baseline.sum(),
        resumed_kwh=t.kwh.sum(where=t.resumed == 1).fill_null(f64(0.0)),
        total_kwh=t.kwh.sum(),
    )
    if _separate_energy_sums(params):
        sums.update(e_num=t.e_num.sum(), e_den=t.e_den.sum())
    return sums


GROUP_COLUMNS = ("county", "city", "province", "section", "category", "size_class")


def attribute_keys(enterprises: ir.Table) -> ir.Table:
    """enterprise_id, gid, GROUP_COLUMNS: ``gid`` numbers each distinct combination of the group
    columns (a province has thousands of combinations for hundreds of thousands of enterprises),
    so the big aggregate is keyed by (date, gid) — two small numbers instead of six strings.
    dense_rank treats nulls (unknown attributes) as equal, which a join on the columns would not.
    A ``gid`` already in ``enterprises`` (``attributes.enterprise_groups`` makes one) is used as is."""
    if "gid" in enterprises.columns:
        return enterprises.select("enterprise_id", *GROUP_COLUMNS, gid=enterprises.gid.cast("int64"))
    e = enterprises.select("enterprise_id", *GROUP_COLUMNS)
    return e.mutate(gid=ibis.dense_rank().over(order_by=[e[c] for c in GROUP_COLUMNS]))


def fine_aggregate(days: ir.Table, combos: ir.Table, *, params: IndexParams) -> ir.Table:
    """Partial sums per (date, attribute combination): date, GROUP_COLUMNS, sums.

    ``days`` carries ``gid``; ``combos`` is gid, GROUP_COLUMNS (one row per gid).
    """
    fine = days.group_by(["date", "gid"]).aggregate(**_sums(days, params))
    return fine.join(combos, "gid").drop("gid")


def rollup(fine: ir.Table, column: str) -> ir.Table:
    """date, code, and the additive sums of one breakdown level."""
    t = fine.filter(fine[column].notnull())
    sums = [c for c in SUMS if c in t.columns]
    return t.group_by([t.date, t[column].name("code")]).aggregate(**{s: t[s].sum() for s in sums})


def by_membership(days: ir.Table, members: ir.Table, *, params: IndexParams) -> ir.Table:
    """Custom groups (group_id, enterprise_id; an enterprise may be in several) → date, code, sums."""
    j = days.join(members.select(code=members.group_id.cast("string"), enterprise_id=members.enterprise_id), "enterprise_id")
    return j.group_by(["date", "code"]).aggregate(**_sums(j, params))


def _eligible(base: ir.Table, params: IndexParams) -> ir.Table:
    ok = base.filter(base.baseline > f64(params.min_baseline_kwh))
    if params.baseload:
        ok = ok.filter(ok.baseline > ok.baseload)
    return ok


def eligible_by_combination(eligible: ir.Table, combos: ir.Table) -> ir.Table:
    """GROUP_COLUMNS, enterprises: eligible enterprises per attribute combination (``eligible`` has
    enterprise_id, gid; a per-day baseline counts an enterprise once). Only a per-day baseline (with
    a ``date`` column) repeats an enterprise: the other methods count rows, without a DISTINCT over
    every enterprise id (a hash of 3,000,000 ids at provincial scale)."""
    ids = eligible.select("enterprise_id", "gid")
    if "date" in eligible.columns:
        ids = ids.distinct()
    counts = ids.group_by("gid").aggregate(enterprises=ids.count())
    return counts.join(combos, "gid").drop("gid")


def eligible_counts(counts: ir.Table, column: str) -> ir.Table:
    """code, enterprises: eligible enterprises per group of one level."""
    t = counts.filter(counts[column].notnull())
    return t.group_by(t[column].name("code")).aggregate(enterprises=t.enterprises.sum())


def eligible_members(base: ir.Table, members: ir.Table, *, params: IndexParams) -> ir.Table:
    ids = _eligible(base, params).select("enterprise_id").distinct()
    j = ids.join(members.select(code=members.group_id.cast("string"), enterprise_id=members.enterprise_id), "enterprise_id")
    return j.group_by("code").aggregate(enterprises=j.count())


def level_rows(sums: ir.Table, counts: ir.Table, dates: ir.Table, *, params: IndexParams) -> ir.Table:
    """Every (date, group with eligible enterprises), with shares; empty shares when nobody reports."""
    grid = dates.cross_join(counts)
    j = grid.left_join(sums, ["date", "code"])
    zero_f, zero_i = f64(0.0), ibis.literal(0, type="int64")
    reporting = j.reporting.fill_null(zero_i)
    resumed = j.resumed.fill_null(zero_i)
    if "e_num" in j.columns:
        e_num, e_den = j.e_num.fill_null(zero_f), j.e_den.fill_null(zero_f)
    else:  # the default definition: E = Σ resumed kWh / Σ B
        e_num, e_den = j.resumed_kwh.fill_null(zero_f), j.baseline_kwh.fill_null(zero_f)
    hundred, w = f64(100.0), f64(params.weight)
    n = ibis.ifelse(reporting > 0, resumed.cast("float64") / reporting.cast("float64"), ibis.null("float64"))
    e = ibis.ifelse((reporting > 0) & (e_den > zero_f), e_num / e_den, ibis.null("float64"))
    return j.select(
        date=j.date,
        code=j.code,
        enterprises=j.enterprises.cast("int64"),
        reporting=reporting,
        resumed=resumed,
        baseline_kwh=j.baseline_kwh.fill_null(zero_f),
        resumed_kwh=j.resumed_kwh.fill_null(zero_f),
        total_kwh=j.total_kwh.fill_null(zero_f),
        resumed_share=hundred * n,
        energy_ratio=hundred * e,
        index=hundred * (w * n + (f64(1.0) - w) * e),
    )


def dates_table(period: Window) -> ir.Table:
    import pyarrow as pa

    return ibis.memtable(pa.table({"date": pa.array(period.days(), pa.date32())}))


@dataclass
class Inputs:
    """The Ibis tables one computation reads (already on one backend)."""

    readings: ir.Table  # enterprise_id, date, kwh
    enterprises: ir.Table  # enterprise_id, GROUP_COLUMNS
    members: ir.Table | None = None  # group_id, enterprise_id
    # enterprise_id, baseline, baseload when already computed (``baseline_aggregates`` folded into
    # the file check of ``fugong index compute``); else ``baselines`` computes them from readings.
    baselines: ir.Table | None = None
    # date: the days to report (default every day of the period); a one-day plan names a table here
    dates: ir.Table | None = None
    extra: dict = field(default_factory=dict)


def compute_levels(
    con, inputs: Inputs, *, period: Window, params: IndexParams, levels: tuple[str, ...] = LEVELS, cache: bool = True
) -> dict[str, "object"]:
    """Run the index for each level on ``con``; returns {level: pyarrow.Table sorted by date, code}.

    Plan (each step one query; the cached tables are small except the first)::

        eligible  enterprise_id, baseline, baseload, gid   (baseline ⋈ attribute key, cached;
                  gid = attribute combination, or the level's own code when one level is asked)
        fine      date, GROUP_COLUMNS, sums                (readings ⋈ eligible, GROUP BY date, gid)
        counts    GROUP_COLUMNS, enterprises               (from eligible)
        level     roll-up of fine and counts by one column, one UNION ALL for every level
    """
    # One query for all levels: Spark runs one job instead of one per level.
    from fugong.index.service import split_levels

    table = con.to_pyarrow(levels_expression(con, inputs, period=period, params=params, levels=levels, cache=cache))
    return split_levels(table, levels)


def levels_expression(
    con, inputs: Inputs, *, period: Window, params: IndexParams, levels: tuple[str, ...] = LEVELS, cache: bool = True,
    keep=None,
) -> ir.Table:
    """The rows of every level in one expression (``compute_levels`` runs it): the level rows of
    ``level_rows`` and a ``level`` column. ``keep(table)`` stores an intermediate that several levels
    read (default: the engine's cache when ``cache``); the one-day plan records them as statements."""
    from fugong.engine import cached

    if keep is None:
        keep = (lambda t: cached(con, t)) if cache else (lambda t: t)
    base = inputs.baselines if inputs.baselines is not None else baselines(inputs.readings, params=params, period=period)
    dates = inputs.dates if inputs.dates is not None else dates_table(period)
    parts = []
    plain = [lv for lv in levels if lv != "group"]
    if plain:
        if len(plain) == 1:
            # One level: its own column is the key (as few groups as the answer has; a null code
            # groups nowhere, as in ``rollup``).
            column = LEVEL_COLUMN[plain[0]]
            e = inputs.enterprises
            keyed = e.select("enterprise_id", column, gid=e[column])
            combos = keyed.select("gid", column).distinct()
        else:
            keyed = attribute_keys(inputs.enterprises)
            keyed = keyed if "gid" in inputs.enterprises.columns else keep(keyed)
            combos = keyed.select("gid", *GROUP_COLUMNS).distinct()
        eligible = _eligible(base, params)
        eligible = keep(eligible.join(keyed.select("enterprise_id", "gid"), "enterprise_id"))
        days = enterprise_days(inputs.readings, eligible, period=period, params=params)
        fine = keep(fine_aggregate(days, combos, params=params))
        counts = keep(eligible_by_combination(eligible, combos))
        for level in plain:
            column = LEVEL_COLUMN[level]
            rows = level_rows(rollup(fine, column), eligible_counts(counts, column), dates, params=params)
            parts.append(rows.mutate(level=ibis.literal(level, type="string")))
    if "group" in levels:
        if inputs.members is None:
            raise ValueError("--by group needs a groups file (group_id, enterprise_id)")
        # Members need not be in the enterprises table, so this path joins the baselines alone.
        base = keep(base)
        days = enterprise_days(inputs.readings, base, period=period, params=params)
        rows = level_rows(by_membership(days, inputs.members, params=params), eligible_members(base, inputs.members, params=params),
                          dates, params=params)
        parts.append(rows.mutate(level=ibis.literal("group", type="string")))
    return ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0]
