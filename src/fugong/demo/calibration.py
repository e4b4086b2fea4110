"""The restart model of the synthetic Zhejiang, and the published figures it is fitted to.

This module is the only place where the published Zhejiang targets appear. The scenario generator
(``fugong.demo.scenario``) reads the fitted ``MODEL`` and never iterates; the fit is done at
development time with ``python -m fugong.demo.calibration`` (about a minute), whose output is pasted
into ``MODEL`` below and committed.

The model, per enterprise i:
- readiness β_i = size effect + industry effect + county effect (Wenzhou's and Zhoushan's cities
  have their own fitted shift; other counties a random one);
- a latent hurdle L_i = logit(u_i) − β_i with u_i ~ U(0, 1);
- a province-wide restart curve α(d) over days d relative to 2020-02-10, rising through fitted knots;
- the enterprise restarts on the first working day d with α(d) ≥ L_i, not before 2020-02-10 unless
  its industry is essential (浙江: 不早于2月9日24时复工, except 保供 firms), not before 2020-02-03;
- after restarting, its level (share of its normal working-day kWh) ramps from ``start_level`` of
  a capacity that is ``feb_level`` up to 2020-02-20, then rises linearly to ``end_level`` on 03-31.

Sources of the targets: State Grid Zhejiang's explainer of the 复工电力指数 (2020-02-10: 64,590 of
333,427 enterprises resumed; 40,541.65 of 128,807.02 万kWh; Wenzhou 12.10 lowest, Zhoushan 63.54
highest) and its releases of 2020-02-19/20 (percentages only); see ../shared/DESIGN.md §2.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from functools import lru_cache

import numpy as np

# --- the published figures (the only place they appear) --------------------------------------


@dataclass(frozen=True)
class Published:
    resumed_share: float  # N, percent
    energy_ratio: float  # E, percent
    index: float  # R


TARGETS = {
    dt.date(2020, 2, 10): Published(19.37, 31.47, 25.42),  # 64,590 / 333,427; 40,541.65 / 128,807.02 万kWh
    dt.date(2020, 2, 19): Published(57.60, 45.28, 51.44),
    dt.date(2020, 2, 20): Published(60.15, 47.27, 53.71),
}
# City index on 2020-02-10 (prefecture prefix → R): the lowest and the highest published.
CITY_TARGETS = {"3303": 12.10, "3309": 63.54}
CITY_TARGET_DAY = dt.date(2020, 2, 10)
PUBLISHED_ENTERPRISES = 333_427
PUBLISHED_BASELINE_KWH = 128_807.02e4  # Σ B_i, kWh per day (128,807.02 万kWh)
TOLERANCE = 0.5  # percentage points for N and E, points for R (issue 3)

# --- the restart model -------------------------------------------------------------------------

RESTART_ANCHOR = dt.date(2020, 2, 10)  # day offset 0
EARLIEST_RESTART = dt.date(2020, 2, 3)  # essential firms, the first working day after the holiday
LAST_DAY = dt.date(2020, 3, 31)
NEVER = 10_000  # restart offset of an enterprise that has not restarted by LAST_DAY

# Readiness effects (fixed shape; the size effect is scaled by the fitted ``size_effect``).
SIZE_PATTERN = (1.5, 0.8, 0.0, -0.6)  # large, medium, small, micro: big firms came back first
ESSENTIAL_EFFECT = 0.6  # food, medicine, utilities
CONTINUOUS_EFFECT = 0.4  # costly to keep cold
SERVICE_EFFECT = -0.4
LABOUR_INTENSIVE = {"18": -0.3, "19": -0.3, "24": -0.3}  # waited for migrant workers
COUNTY_EFFECT_SD = 0.25  # other counties: a random shift each


@dataclass(frozen=True)
class RestartModel:
    alpha_0210: float  # α on 2020-02-10
    alpha_0219: float
    alpha_0220: float
    size_effect: float
    wenzhou_effect: float
    zhoushan_effect: float
    feb_level: float  # capacity of a restarted firm up to 2020-02-19 (workers not back, orders thin)
    level_0220: float  # capacity on 2020-02-20, then linear to end_level on 03-31
    baseline_scale: float  # multiplies every enterprise's kWh so that Σ B matches the published one
    early_gap: float = 1.5  # α(02-03) = α(02-10) − early_gap
    late_rise: float = 3.0  # α(03-31) = α(02-20) + late_rise
    start_level: float = 0.85  # level on the restart day, as a share of capacity
    end_level: float = 0.97  # capacity on 2020-03-31
    ramp_days: float = 1.5  # e-folding time of the warm-up after a restart

    def city_effect(self, city: str) -> float:
        return {"3303": self.wenzhou_effect, "3309": self.zhoushan_effect}.get(city, 0.0)


# Fitted with `python -m fugong.demo.calibration` at scale 1.0, seed 20200210 (see docs/demo-scenario.md).
MODEL = RestartModel(
    alpha_0210=-0.9277751240385619,
    alpha_0219=2.416896972655735,
    alpha_0220=2.5419648285131276,
    size_effect=4.348712367721905,
    wenzhou_effect=-4.1904278626116165,
    zhoushan_effect=4.648795862824619,
    feb_level=0.4084785950977889,
    level_0220=0.4256559223848239,
    baseline_scale=1.2928191633867308,
)

FITTED_FIELDS = (
    "alpha_0210",
    "alpha_0219",
    "alpha_0220",
    "size_effect",
    "wenzhou_effect",
    "zhoushan_effect",
    "feb_level",
    "level_0220",
)


def _offset(day: dt.date) -> int:
    return (day - RESTART_ANCHOR).days


def alpha(model: RestartModel, offsets: np.ndarray) -> np.ndarray:
    """The restart curve α(d) at day offsets d (relative to 2020-02-10); −inf before 2020-02-03."""
    knots_x = [_offset(EARLIEST_RESTART), 0, 9, 10, _offset(LAST_DAY)]
    knots_y = [
        model.alpha_0210 - model.early_gap,
        model.alpha_0210,
        model.alpha_0219,
        model.alpha_0220,
        model.alpha_0220 + model.late_rise,
    ]
    offsets = np.asarray(offsets, dtype=float)
    values = np.interp(offsets, knots_x, knots_y)
    return np.where(offsets < knots_x[0], -np.inf, values)


@lru_cache(maxsize=1)
def _restart_working_offsets() -> np.ndarray:
    """Offsets of the working days from 2020-02-03 to 2020-03-31 (chinesecalendar knows 2020)."""
    import chinese_calendar

    days = [EARLIEST_RESTART + dt.timedelta(n) for n in range((LAST_DAY - EARLIEST_RESTART).days + 1)]
    return np.array([_offset(d) for d in days if chinese_calendar.is_workday(d)], dtype=np.int64)


def readiness(
    model: RestartModel,
    *,
    size_index: np.ndarray,
    industry_effect: np.ndarray,
    county_effect: np.ndarray,
    city: np.ndarray,
) -> np.ndarray:
    """β_i: higher means earlier. ``city`` holds 4-digit prefixes; ``county_effect`` the random shifts."""
    pattern = np.asarray(SIZE_PATTERN)[size_index] * model.size_effect
    shift = np.where(city == "3303", model.wenzhou_effect, np.where(city == "3309", model.zhoushan_effect, county_effect))
    return pattern + industry_effect + shift


def industry_effect(*, code: str, essential: bool, continuous: bool, service: bool) -> float:
    return (
        ESSENTIAL_EFFECT * essential
        + CONTINUOUS_EFFECT * continuous
        + SERVICE_EFFECT * service
        + LABOUR_INTENSIVE.get(code[:2], 0.0)
    )


def restart_offsets(model: RestartModel, *, hurdle: np.ndarray, essential: np.ndarray) -> np.ndarray:
    """Restart day of each enterprise as an offset from 2020-02-10 (NEVER if not by 03-31).

    ``hurdle`` is L_i = logit(u_i) − β_i. Essential firms may start on a working day from 02-03.
    """
    work = _restart_working_offsets()
    curve = np.maximum.accumulate(alpha(model, work))
    allowed = np.where(work >= 0, curve, -np.inf)  # non-essential: not before 02-10
    first_any = np.searchsorted(curve, hurdle, side="left")
    first_late = np.searchsorted(allowed, hurdle, side="left")
    index = np.where(essential, first_any, first_late)
    padded = np.append(work, NEVER)
    return padded[index]


def ramp_level(
    model: RestartModel, *, since_restart: np.ndarray, offset: np.ndarray
) -> np.ndarray:
    """Share of normal working-day kWh, ``since_restart`` days after restarting, on day ``offset``.

    Arrays broadcast: ``since_restart`` is enterprises × days, ``offset`` a row of days.
    """
    capacity = np.interp(
        offset,
        [0, 9, 10, _offset(LAST_DAY)],
        [model.feb_level, model.feb_level, model.level_0220, model.end_level],
    )
    warm = 1.0 - (1.0 - model.start_level) * np.exp(-np.maximum(since_restart, 0) / model.ramp_days)
    return capacity * warm


# --- the fit (development time only) -------------------------------------------------------------


def fit(*, seed: int = 20200210, scale: float = 1.0, iterations: int = 20, verbose: bool = True) -> RestartModel:
    """Solve for the fitted fields so the scenario's index hits the targets (damped Newton).

    Draws the scenario once (random numbers do not depend on the model), then evaluates the
    index on the target days only, so each evaluation takes milliseconds.
    """
    from fugong.demo.scenario import TargetDayPanel

    panel = TargetDayPanel.draw(seed=seed, scale=scale, days=sorted({*TARGETS, CITY_TARGET_DAY}))
    model = replace(MODEL, baseline_scale=1.0)
    model = replace(model, baseline_scale=PUBLISHED_BASELINE_KWH * scale / panel.baseline_total(model))

    def residuals(m: RestartModel) -> np.ndarray:
        result = panel.index(m)
        out = []
        for day, target in TARGETS.items():
            n, e, _ = result["province"][day]
            out += [n - target.resumed_share, e - target.energy_ratio]
        for city, target in CITY_TARGETS.items():
            out.append(result[city][CITY_TARGET_DAY][2] - target)
        return np.array(out)

    def vector(m: RestartModel) -> np.ndarray:
        return np.array([getattr(m, f) for f in FITTED_FIELDS])

    def with_vector(m: RestartModel, v: np.ndarray) -> RestartModel:
        v = v.copy()
        v[6:] = np.clip(v[6:], 0.3, 1.2)
        return replace(m, **dict(zip(FITTED_FIELDS, map(float, v))))

    current = residuals(model)
    for step in range(iterations):
        if verbose:
            print(f"step {step}: max |residual| {np.abs(current).max():.3f}  {np.round(current, 3)}")
        if np.abs(current).max() < 0.02:
            break
        base = vector(model)
        jac = np.empty((len(current), len(base)))
        for k in range(len(base)):
            h = 0.03 if k < 6 else 0.01
            probe = base.copy()
            probe[k] += h
            jac[:, k] = (residuals(with_vector(model, probe)) - current) / h
        # Levenberg-Marquardt: a larger lambda is a shorter, safer step.
        for lam in (0.0, 0.1, 1.0, 10.0, 100.0):
            lhs = jac.T @ jac + lam * np.diag(np.diag(jac.T @ jac) + 1e-9)
            candidate = with_vector(model, base + np.linalg.lstsq(lhs, -jac.T @ current, rcond=None)[0])
            trial = residuals(candidate)
            if (trial**2).sum() < (current**2).sum():
                model, current = candidate, trial
                break
        else:
            break
    if verbose:
        print("final residuals:", np.round(current, 3))
    return model


def main() -> None:  # pragma: no cover - development-time tool
    model = fit()
    print("MODEL = RestartModel(")
    for key, value in asdict(model).items():
        print(f"    {key}={value!r},")
    print(")")


if __name__ == "__main__":  # pragma: no cover
    main()
