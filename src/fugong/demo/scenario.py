"""A synthetic Zhejiang (合成数据): enterprises, daily kWh and 15-minute load for the demo and the tests.

``generate(out_dir=..., scale=1.0, seed=20200210)`` writes four Parquet files in the standard
ingest format of ``fugong index``:

    enterprises.parquet  enterprise_id, region_code, industry_code, size_class, name, uscc
    daily.parquet        enterprise_id, date (date32), kwh (float64)   2019-10-01..2020-03-31 (2019-Q4: the baseline)
    interval.parquet     enterprise_id, timestamp (naive Asia/Shanghai, interval start), kwh
                         15-minute readings, 2020-01-01..2020-02-29, for a sample of ~5,000 meters
    labels.parquet       the truth behind the data, for tests: enterprise_id, in_interval_sample,
                         is_gamer, gaming_start, gaming_end, never_stopped, essential,
                         shutdown_date, restart_date

The story of one enterprise (levels are shares of its normal working-day kWh):

    Q4 2019      1.0 on working days, a weekend factor on rest days, lower in the National Day week
    mid-January  shuts down for the Spring Festival (2020-01-13..01-23) to a standby level < 0.2
    restart      on a day drawn by the restart model of ``calibration.py`` (county, industry, size)
    after        ramps up from a partial level, weekends lower again
    never-stopped plants (~3.5 %, mostly continuous process) run through the holiday
    idle-machine gamers (some of the interval sample) run a flat 24-hour load just above 0.3·B from
    about 02-10 until their real restart, so that the daily threshold sees them as resumed

Readings are missing (rows absent, not zeros) at about 2 % of enterprise-days plus short outages.
Every name says 合成 (synthetic). Random numbers come from one seed, so the same seed and scale
give identical files.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from fugong.demo import calibration, economy
from fugong.demo.calibration import MODEL, RestartModel

FIRST_DAY = dt.date(2019, 10, 1)
LAST_DAY = dt.date(2020, 3, 31)
BASELINE_LAST_DAY = dt.date(2019, 12, 31)
INTERVAL_FIRST_DAY = dt.date(2020, 1, 1)
INTERVAL_LAST_DAY = dt.date(2020, 2, 29)
FULL_ENTERPRISES = calibration.PUBLISHED_ENTERPRISES
FULL_INTERVAL_METERS = 5_000
MIN_INTERVAL_METERS = 300  # enough gamers for the flag tests even at small scale
CHUNK = 20_000  # enterprises per generation chunk (about 30 MB per matrix)
MISSING_RATE = 0.02
OUTAGE_RATE = 0.015  # enterprises with one outage of 2-7 days
GAMER_CANDIDATE_RATE = 0.3  # of the interval sample that is neither service, continuous nor never-stopped
INTERVALS_PER_DAY = 96
SHUTDOWN_FIRST, SHUTDOWN_LAST = dt.date(2020, 1, 13), dt.date(2020, 1, 23)
GAMERS_RESTART_AFTER = dt.date(2020, 3, 2)
HOLIDAY_CORE = (dt.date(2020, 1, 25), dt.date(2020, 2, 9))
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015, no I O S V Z


@dataclass(frozen=True)
class ScenarioFiles:
    enterprises: Path
    daily: Path
    interval: Path
    labels: Path
    enterprise_count: int
    daily_rows: int
    interval_rows: int
    interval_meters: int
    gamers: int


@dataclass(frozen=True)
class Calendar:
    days: np.ndarray  # datetime64[D], FIRST_DAY..LAST_DAY
    offset: np.ndarray  # days from 2020-02-10
    is_work: np.ndarray
    national_day: np.ndarray
    baseline: np.ndarray  # 2019-10-01..2019-12-31
    holiday_core: np.ndarray


@lru_cache(maxsize=1)
def calendar() -> Calendar:
    import chinese_calendar

    dates = [FIRST_DAY + dt.timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    return Calendar(
        days=np.array(dates, dtype="datetime64[D]"),
        offset=np.array([(d - calibration.RESTART_ANCHOR).days for d in dates]),
        is_work=np.array([chinese_calendar.is_workday(d) for d in dates]),
        national_day=np.array([dt.date(2019, 10, 1) <= d <= dt.date(2019, 10, 7) for d in dates]),
        baseline=np.array([d <= BASELINE_LAST_DAY for d in dates]),
        holiday_core=np.array([HOLIDAY_CORE[0] <= d <= HOLIDAY_CORE[1] for d in dates]),
    )


def _rng(seed: int, *key: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=key)))


def _offset(day: dt.date) -> int:
    return (day - calibration.RESTART_ANCHOR).days


@dataclass
class Enterprises:
    """One row per enterprise, as numpy columns (the draws that do not depend on the model)."""

    county: np.ndarray  # 6-digit code
    city: np.ndarray  # 4-digit prefix
    county_effect: np.ndarray
    industry: np.ndarray  # index into economy.INDUSTRIES
    size: np.ndarray  # index into economy.SIZE_CLASSES
    base: np.ndarray  # working-day kWh before calibration's baseline_scale
    noise: np.ndarray  # lognormal sigma of day noise
    weekend: np.ndarray
    holiday: np.ndarray  # National Day week factor
    shutdown: np.ndarray  # offset of the shutdown day
    closed: np.ndarray  # standby level while closed
    never_stopped: np.ndarray
    ns_holiday: np.ndarray  # never-stopped level during the Spring Festival
    logit_u: np.ndarray
    industry_effect: np.ndarray
    essential: np.ndarray
    capacity: np.ndarray
    outage_start: np.ndarray  # day index
    outage_length: np.ndarray  # days, 0 for most
    sample: np.ndarray  # in the 15-minute interval sample
    gamer_candidate: np.ndarray
    gaming_start: np.ndarray  # offset
    gaming_ratio: np.ndarray  # kWh / B while gaming
    night_ratio: np.ndarray  # night load / day load of the normal 15-minute shape
    uscc_offset: int

    def __len__(self) -> int:
        return len(self.county)

    def take(self, rows: slice) -> Enterprises:
        return Enterprises(
            **{k: (v[rows] if isinstance(v, np.ndarray) else v) for k, v in self.__dict__.items()}
        )

    def hurdle(self, model: RestartModel) -> np.ndarray:
        beta = calibration.readiness(
            model,
            size_index=self.size,
            industry_effect=self.industry_effect,
            county_effect=self.county_effect,
            city=self.city,
        )
        return self.logit_u - beta

    def restart(self, model: RestartModel) -> np.ndarray:
        offsets = calibration.restart_offsets(model, hurdle=self.hurdle(model), essential=self.essential)
        offsets = np.where(self.never_stopped, calibration.NEVER, offsets)
        # A gamer is a firm that could not really restart: it runs idle machines from about 02-10
        # and only restarts for real in March (GAMERS_RESTART_AFTER), so February is all gaming.
        gamer = self.gamer_candidate & (offsets >= self.gaming_start + 3)
        return np.where(gamer, np.maximum(offsets, _offset(GAMERS_RESTART_AFTER)), offsets)


def draw_enterprises(n: int, *, seed: int, interval_meters: int) -> Enterprises:
    rng = _rng(seed, 0)
    counties = np.array(economy.zhejiang_counties())
    cities = np.array([c[:4] for c in counties])
    within = rng.gamma(3.0, size=len(counties))
    weight = np.array([economy.CITY_SHARE[c] for c in cities]) * within
    for city in economy.CITY_SHARE:
        weight[cities == city] /= within[cities == city].sum()
    county_idx = rng.choice(len(counties), size=n, p=weight / weight.sum())
    county_effect = rng.normal(0.0, calibration.COUNTY_EFFECT_SD, size=len(counties))

    industries = economy.INDUSTRIES
    city_codes = list(economy.CITY_SHARE)
    probs = np.array(
        [[ind.weight * economy.CITY_INDUSTRY_BOOST[c].get(ind.code, 1.0) for ind in industries] for c in city_codes]
    )
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    city_of = np.searchsorted(city_codes, cities[county_idx])
    industry = (cum[city_of] < rng.random(n)[:, None]).sum(axis=1).clip(max=len(industries) - 1)

    sizes = economy.SIZE_CLASSES
    size = rng.choice(len(sizes), size=n, p=[s.share for s in sizes])
    intensity = np.array([i.intensity for i in industries])[industry]
    continuous = np.array([i.continuous for i in industries])[industry]
    service = np.array([i.service for i in industries])[industry]
    median = np.array([s.median_kwh for s in sizes])[size]
    sigma = np.array([s.sigma for s in sizes])[size]
    base = median * intensity * np.exp(sigma * rng.standard_normal(n))

    weekend = np.where(continuous, rng.uniform(0.8, 1.0, n), np.where(service, rng.uniform(0.7, 1.0, n), rng.uniform(0.4, 0.9, n)))
    holiday = np.where(continuous, rng.uniform(0.7, 1.0, n), np.where(service, rng.uniform(0.6, 1.0, n), rng.uniform(0.15, 0.6, n)))
    shutdown = rng.integers(_offset(SHUTDOWN_FIRST), _offset(SHUTDOWN_LAST) + 1, size=n)
    shutdown = np.where(size == 0, np.minimum(shutdown + 2, _offset(SHUTDOWN_LAST)), shutdown)
    closed = rng.uniform(0.02, 0.2, n)
    closed = np.where((size == 3) & (rng.random(n) < 0.15), 0.0, closed)  # fully switched off: true zeros
    p_never = np.array([s.never_stopped for s in sizes])[size] * np.where(continuous, 3.0, 1.0)
    never_stopped = rng.random(n) < np.minimum(p_never, 0.8)
    ns_holiday = rng.uniform(1.0, 1.05, n)
    u = rng.uniform(1e-9, 1 - 1e-9, n)
    industry_effect = np.array(
        [
            calibration.industry_effect(code=i.code, essential=i.essential, continuous=i.continuous, service=i.service)
            for i in industries
        ]
    )[industry]
    capacity = np.exp(rng.normal(0.0, 0.1, n))
    days = len(calendar().days)
    has_outage = rng.random(n) < OUTAGE_RATE
    outage_start = rng.integers(0, days - 7, n)
    outage_length = np.where(has_outage, rng.integers(2, 8, n), 0)

    sample = np.zeros(n, dtype=bool)
    sample[rng.choice(n, size=min(interval_meters, n), replace=False)] = True
    # Idle machines were reported among day-shift manufacturers; a continuous plant is flat anyway.
    gamer_candidate = sample & ~never_stopped & ~service & ~continuous & (rng.random(n) < GAMER_CANDIDATE_RATE)
    gaming_start = rng.integers(0, 4, n)
    gaming_ratio = rng.uniform(0.32, 0.38, n)
    night_ratio = np.where(continuous, rng.uniform(0.85, 1.0, n), np.where(service, rng.uniform(0.3, 0.6, n), rng.uniform(0.12, 0.4, n)))
    return Enterprises(
        county=counties[county_idx],
        city=cities[county_idx],
        county_effect=county_effect[county_idx],
        industry=industry,
        size=size,
        base=base,
        noise=np.array([s.noise for s in sizes])[size],
        weekend=weekend,
        holiday=holiday,
        shutdown=shutdown,
        closed=closed,
        never_stopped=never_stopped,
        ns_holiday=ns_holiday,
        logit_u=np.log(u / (1 - u)),
        industry_effect=industry_effect,
        essential=np.array([i.essential for i in industries])[industry],
        capacity=capacity,
        outage_start=outage_start,
        outage_length=outage_length,
        sample=sample,
        gamer_candidate=gamer_candidate,
        gaming_start=gaming_start,
        gaming_ratio=gaming_ratio,
        night_ratio=night_ratio,
        uscc_offset=int(rng.integers(10**8)),
    )


# State of an enterprise on a day, which decides its 15-minute shape.
CLOSED, OPERATING, GAMING = 0, 1, 2


def levels(ent: Enterprises, model: RestartModel, restart: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(level, state) for the enterprises of ``ent`` on calendar columns ``cols``; level in working-day units."""
    cal = calendar()
    d = cal.offset[cols][None, :]
    work = cal.is_work[cols][None, :]
    weekly = np.where(work, 1.0, ent.weekend[:, None])
    weekly = np.where(cal.national_day[cols][None, :], ent.holiday[:, None], weekly)
    shutdown = ent.shutdown[:, None]
    closed = ent.closed[:, None]
    r = restart[:, None]
    level = np.where(d < shutdown, weekly, np.where(d == shutdown, 0.5 * (weekly + closed), closed))
    ramp = calibration.ramp_level(model, since_restart=d - r, offset=d) * ent.capacity[:, None]
    # Restarted firms worked most weekends of February to catch up: half the usual weekend dip.
    level = np.where(d >= r, ramp * np.where(work, 1.0, 0.5 + 0.5 * ent.weekend[:, None]), level)
    state = np.where((d < shutdown) | (d >= r), OPERATING, CLOSED)
    ns = np.where(cal.holiday_core[cols][None, :], ent.ns_holiday[:, None], np.where(work, 1.0, 0.95))
    level = np.where(ent.never_stopped[:, None], ns, level)
    state = np.where(ent.never_stopped[:, None], OPERATING, state)
    gaming = ent.gamer_candidate[:, None] & (d >= ent.gaming_start[:, None]) & (d < r) & (r >= ent.gaming_start[:, None] + 3)
    state = np.where(gaming, GAMING, state)
    return level, state


def daily_kwh(ent: Enterprises, model: RestartModel, restart: np.ndarray, rng: np.random.Generator):
    """kWh matrix (enterprises × all calendar days, NaN = missing), state matrix and B (per enterprise)."""
    cal = calendar()
    n, days = len(ent), len(cal.days)
    z = rng.standard_normal((n, days))
    present = rng.random((n, days)) >= MISSING_RATE
    day_index = np.arange(days)[None, :]
    outage = (day_index >= ent.outage_start[:, None]) & (day_index < (ent.outage_start + ent.outage_length)[:, None])
    present &= ~outage
    level, state = levels(ent, model, restart, np.arange(days))
    sigma = ent.noise[:, None]
    kwh = (ent.base * model.baseline_scale)[:, None] * level * np.exp(sigma * z - 0.5 * sigma**2)
    kwh = np.where(present, kwh, np.nan)
    with np.errstate(invalid="ignore"):
        baseline = np.nanmean(kwh[:, cal.baseline], axis=1)
    gaming = state == GAMING
    if gaming.any():
        flat = baseline[:, None] * ent.gaming_ratio[:, None] * np.exp(0.01 * z)
        kwh = np.where(gaming & present, flat, kwh)
    return kwh, state, baseline


# --- identifiers -------------------------------------------------------------------------------


def uscc_codes(region_codes: np.ndarray, serial: np.ndarray, offset: int) -> np.ndarray:
    """Valid GB 32100-2015 codes: 9 (工商) 1 (企业) + region + organisation code (GB 11714) + check."""
    n = len(serial)
    body = (serial.astype(np.int64) * 7919 + offset) % 10**8  # 7919 is prime: distinct for n < 10^8
    org = np.stack([(body // 10 ** (7 - k)) % 10 for k in range(8)], axis=1)
    org_sum = (org * np.array([3, 7, 9, 10, 5, 8, 4, 2])).sum(axis=1)
    org_check = 11 - org_sum % 11  # 10 → X (29 in the USCC alphabet), 11 → 0
    org_check = np.where(org_check == 11, 0, np.where(org_check == 10, 29, org_check))
    region = np.array([[int(ch) for ch in code] for code in region_codes], dtype=np.int64).reshape(n, 6)
    values = np.concatenate([np.full((n, 1), 9), np.full((n, 1), 1), region, org, org_check[:, None]], axis=1)
    weights = np.array([pow(3, i, 31) for i in range(17)])
    check = (31 - (values * weights).sum(axis=1) % 31) % 31
    values = np.concatenate([values, check[:, None]], axis=1)
    alphabet = np.frombuffer(USCC_ALPHABET.encode(), dtype=np.uint8)
    return alphabet[values].view("S18").ravel().astype(str)


def _ids(prefix: str, n: int, width: int = 7) -> np.ndarray:
    return np.char.add(prefix, np.char.zfill(np.arange(1, n + 1).astype(str), width))


# --- writing -----------------------------------------------------------------------------------


def _interval_shape(night_ratio: np.ndarray) -> np.ndarray:
    """Normal day/night shape per meter over 96 quarter hours: 08:00-18:00 full, shoulders half."""
    hour = np.arange(INTERVALS_PER_DAY) / 4
    day = np.where((hour >= 8) & (hour < 18), 1.0, np.where(((hour >= 7) & (hour < 8)) | ((hour >= 18) & (hour < 20)), 0.5, 0.0))
    return night_ratio[:, None] + (1 - night_ratio[:, None]) * day[None, :]


def _interval_table(ids, kwh, state, night_ratio, rng):
    """15-minute rows for the sampled meters: each day's readings sum to its daily kWh."""
    import pyarrow as pa

    cal = calendar()
    cols = np.flatnonzero((cal.days >= np.datetime64(INTERVAL_FIRST_DAY)) & (cal.days <= np.datetime64(INTERVAL_LAST_DAY)))
    day_kwh = kwh[:, cols]  # meters × days
    day_state = state[:, cols]
    shape = _interval_shape(night_ratio)[:, None, :]  # meters × 1 × 96
    flat = np.ones_like(shape)
    profile = np.where((day_state == OPERATING)[:, :, None], shape, flat)
    profile = profile * np.exp(0.05 * rng.standard_normal(profile.shape))
    profile = np.where((day_state == GAMING)[:, :, None], np.exp(0.01 * rng.standard_normal(profile.shape)), profile)
    profile /= profile.sum(axis=2, keepdims=True)
    values = day_kwh[:, :, None] * profile  # NaN days stay NaN and are dropped
    stamps = cal.days[cols].astype("datetime64[s]")[None, :, None] + (np.arange(INTERVALS_PER_DAY) * 900).astype("timedelta64[s]")[None, None, :]
    keep = ~np.isnan(values)
    meter = np.broadcast_to(np.arange(len(ids))[:, None, None], values.shape)[keep]
    return pa.table(
        {
            "enterprise_id": pa.DictionaryArray.from_arrays(pa.array(meter.astype(np.int32)), pa.array(ids)),
            "timestamp": pa.array(np.broadcast_to(stamps, values.shape)[keep], type=pa.timestamp("s")),
            "kwh": pa.array(values[keep], type=pa.float64()),
        }
    )


def _dates(values: np.ndarray):
    import pyarrow as pa

    days = values.astype("datetime64[D]").astype(np.int64)
    return pa.array(np.where(np.isnat(values), 0, days).astype(np.int32), type=pa.date32(), mask=np.isnat(values))


def generate(
    *,
    out_dir: Path | str,
    scale: float = 1.0,
    seed: int = 20200210,
    progress=None,
    interval_meters: int | None = None,
    model: RestartModel = MODEL,
) -> ScenarioFiles:
    """Write the synthetic Zhejiang to ``out_dir`` (four Parquet files, see the module docstring)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    n = max(1, round(FULL_ENTERPRISES * scale))
    if interval_meters is None:
        interval_meters = max(round(FULL_INTERVAL_METERS * scale), MIN_INTERVAL_METERS)
    cal = calendar()
    ent = draw_enterprises(n, seed=seed, interval_meters=interval_meters)
    restart = ent.restart(model)
    ids = _ids("E", n)
    chunks = range(0, n, CHUNK)
    task = progress.add_task("合成浙江 / synthetic Zhejiang", total=len(chunks) + 2) if progress else None

    industries = economy.INDUSTRIES
    enterprises = pa.table(
        {
            "enterprise_id": ids,
            "region_code": ent.county,
            "industry_code": np.array([i.code for i in industries])[ent.industry],
            "size_class": np.array([s.code for s in economy.SIZE_CLASSES])[ent.size],
            "name": np.char.add("合成企业", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
            "uscc": uscc_codes(ent.county, np.arange(n), ent.uscc_offset),
        }
    )
    paths = {k: out / f"{k}.parquet" for k in ("enterprises", "daily", "interval", "labels")}
    pq.write_table(enterprises, paths["enterprises"])

    schema = pa.schema([("enterprise_id", pa.dictionary(pa.int32(), pa.string())), ("date", pa.date32()), ("kwh", pa.float64())])
    day_numbers = cal.days.astype(np.int64).astype(np.int32)
    daily_rows = 0
    sample_parts = []
    # Each chunk is written by a second thread while the next is drawn (pyarrow's writer releases the
    # GIL; the writing was a third of the stage). One chunk waits at most, so memory stays at two.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="scenario-writer") as writing:
        pending = None
        with pq.ParquetWriter(paths["daily"], schema, compression="zstd") as writer:
            for number, start in enumerate(chunks):
                rows = slice(start, min(start + CHUNK, n))
                part = ent.take(rows)
                kwh, state, _ = daily_kwh(part, model, restart[rows], _rng(seed, 1, number))
                keep = ~np.isnan(kwh)
                row_of = np.broadcast_to(np.arange(kwh.shape[0], dtype=np.int32)[:, None], kwh.shape)[keep]
                table = pa.table(
                    {
                        "enterprise_id": pa.DictionaryArray.from_arrays(pa.array(row_of), pa.array(ids[rows])),
                        "date": pa.array(np.broadcast_to(day_numbers[None, :], kwh.shape)[keep], type=pa.date32()),
                        "kwh": pa.array(kwh[keep], type=pa.float64()),
                    },
                    schema=schema,
                )
                if pending is not None:
                    pending.result()
                pending = writing.submit(writer.write_table, table)
                daily_rows += int(keep.sum())
                in_sample = part.sample
                if in_sample.any():
                    sample_parts.append((ids[rows][in_sample], kwh[in_sample], state[in_sample], part.night_ratio[in_sample]))
                if task is not None:
                    progress.advance(task)
            if pending is not None:
                pending.result()

        sample_ids = np.concatenate([p[0] for p in sample_parts])
        interval = _interval_table(
            sample_ids,
            np.concatenate([p[1] for p in sample_parts]),
            np.concatenate([p[2] for p in sample_parts]),
            np.concatenate([p[3] for p in sample_parts]),
            _rng(seed, 2),
        )
        interval_written = writing.submit(pq.write_table, interval, paths["interval"], compression="zstd")
        gaming_states = np.concatenate([(p[2] == GAMING) for p in sample_parts])
        labels = _labels(ent, ids, restart, sample_ids, gaming_states)
        pq.write_table(labels, paths["labels"])
        interval_written.result()
    if task is not None:
        progress.advance(task, 2)
    return ScenarioFiles(
        enterprises=paths["enterprises"],
        daily=paths["daily"],
        interval=paths["interval"],
        labels=paths["labels"],
        enterprise_count=n,
        daily_rows=daily_rows,
        interval_rows=interval.num_rows,
        interval_meters=len(sample_ids),
        gamers=int(gaming_states.any(axis=1).sum()),
    )


def _labels(ent: Enterprises, ids: np.ndarray, restart: np.ndarray, sample_ids: np.ndarray, gaming_states: np.ndarray):
    import pyarrow as pa

    cal = calendar()
    anchor = np.datetime64(calibration.RESTART_ANCHOR)
    gaming_start = np.full(len(ids), np.datetime64("NaT"), dtype="datetime64[D]")
    gaming_end = gaming_start.copy()
    position = {eid: k for k, eid in enumerate(ids)}
    is_gamer = np.zeros(len(ids), dtype=bool)
    for k, eid in enumerate(sample_ids):
        cols = np.flatnonzero(gaming_states[k])
        if len(cols):
            row = position[eid]
            is_gamer[row] = True
            gaming_start[row] = cal.days[cols[0]]
            gaming_end[row] = cal.days[cols[-1]]
    restart_day = np.where(restart < calibration.NEVER, anchor + restart.astype("timedelta64[D]"), np.datetime64("NaT"))
    return pa.table(
        {
            "enterprise_id": ids,
            "in_interval_sample": ent.sample,
            "is_gamer": is_gamer,
            "gaming_start": _dates(gaming_start),
            "gaming_end": _dates(gaming_end),
            "never_stopped": ent.never_stopped,
            "essential": ent.essential & ~ent.never_stopped,
            "shutdown_date": _dates(np.where(ent.never_stopped, np.datetime64("NaT"), anchor + ent.shutdown.astype("timedelta64[D]"))),
            "restart_date": _dates(restart_day.astype("datetime64[D]")),
        }
    )


# --- calibration support: the index on a few days, for the fit --------------------------------


@dataclass
class TargetDayPanel:
    """The scenario's draws on a few days only, so the fit can evaluate the index in milliseconds."""

    ent: Enterprises
    cols: np.ndarray
    days: list
    baseline: np.ndarray  # B_i at baseline_scale = 1
    z: np.ndarray  # day noise on ``cols``
    present: np.ndarray

    @classmethod
    def draw(cls, *, seed: int, scale: float, days: list) -> TargetDayPanel:
        cal = calendar()
        n = max(1, round(FULL_ENTERPRISES * scale))
        ent = draw_enterprises(n, seed=seed, interval_meters=max(round(FULL_INTERVAL_METERS * scale), MIN_INTERVAL_METERS))
        cols = np.array([int(np.flatnonzero(cal.days == np.datetime64(d))[0]) for d in days])
        unit = RestartModel(**{**MODEL.__dict__, "baseline_scale": 1.0})
        restart = ent.restart(unit)  # Q4 does not depend on the restart model
        baselines, zs, presents = [], [], []
        for number, start in enumerate(range(0, n, CHUNK)):
            rows = slice(start, min(start + CHUNK, n))
            rng = _rng(seed, 1, number)
            part = ent.take(rows)
            days_all = len(cal.days)
            z = rng.standard_normal((len(part), days_all))
            present = rng.random((len(part), days_all)) >= MISSING_RATE
            rng_index = np.arange(days_all)[None, :]
            present &= ~((rng_index >= part.outage_start[:, None]) & (rng_index < (part.outage_start + part.outage_length)[:, None]))
            q4 = np.flatnonzero(cal.baseline)
            level, _ = levels(part, unit, restart[rows], q4)
            sigma = part.noise[:, None]
            kwh = part.base[:, None] * level * np.exp(sigma * z[:, q4] - 0.5 * sigma**2)
            with np.errstate(invalid="ignore"):
                baselines.append(np.nanmean(np.where(present[:, q4], kwh, np.nan), axis=1))
            zs.append(z[:, cols])
            presents.append(present[:, cols])
        return cls(ent, cols, list(days), np.concatenate(baselines), np.concatenate(zs), np.concatenate(presents))

    def baseline_total(self, model: RestartModel) -> float:
        return float(np.nansum(self.baseline) * model.baseline_scale)

    def index(self, model: RestartModel, params=None) -> dict:
        """{"province" | city prefix: {day: (N %, E %, R)}} under the definition's θ and w
        (``IndexParams``, default Zhejiang's: θ = 0.3, w = 0.5)."""
        from fugong.index.compute import IndexParams

        params = params or IndexParams()
        ent = self.ent
        level, state = levels(ent, model, ent.restart(model), self.cols)
        sigma = ent.noise[:, None]
        scale = model.baseline_scale
        b = self.baseline * scale
        kwh = (ent.base * scale)[:, None] * level * np.exp(sigma * self.z - 0.5 * sigma**2)
        kwh = np.where(state == GAMING, b[:, None] * ent.gaming_ratio[:, None] * np.exp(0.01 * self.z), kwh)
        reporting = self.present & (b > 0)[:, None]
        resumed = reporting & (kwh >= params.theta * b[:, None])
        groups = {"province": np.ones(len(ent), dtype=bool), **{c: ent.city == c for c in calibration.CITY_TARGETS}}
        out = {}
        for name, member in groups.items():
            out[name] = {}
            for k, day in enumerate(self.days):
                rep = reporting[:, k] & member
                res = resumed[:, k] & member
                n_share = 100 * res.sum() / rep.sum()
                e_share = 100 * kwh[res, k].sum() / b[rep].sum()
                out[name][day] = (n_share, e_share, params.weight * n_share + (1 - params.weight) * e_share)
        return out

