"""The stages of ``fugong demo``, in order. Each is a plain function ``run(ctx) -> str`` returning a
one-line summary; a domain adds its stage here when it lands.

    ctx = DemoContext(settings=..., engine=..., scale=1.0, seed=20200210, progress=...)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fugong.config import Settings
from fugong.index.params import Window


# The days the demo computes the index for: the first quarter of 2020 (before, the shutdown and the
# recovery). The baselines are the 2019-Q4 daily means (IndexParams' default, as Zhejiang used):
# those months are read for the baselines, but an index of the baseline window against itself says
# nothing, and computing and storing its per-enterprise days doubled the stage (88 → 54 s, 8.8 → 4.6 GB).
DEMO_PERIOD = Window(dt.date(2020, 1, 1), dt.date(2020, 3, 31))


@dataclass
class DemoContext:
    settings: Settings
    scale: float = 1.0  # 1.0 = full Zhejiang (333,427 enterprises); smaller for a quick look
    seed: int = 20200210
    progress: Any = None  # a rich.progress.Progress, or None when quiet
    results: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Stage:
    name: str
    title: str  # shown in the progress display, Chinese / English
    run: Callable[[DemoContext], str]
    # Runs in a second thread, in order with the other ``alongside`` stages, while the main stages
    # go on: the database stages are one Python thread, the meter stages mostly DuckDB's threads.
    alongside: bool = False
    waits: bool = False  # waits for every alongside stage before it (it reads what they wrote)


def _upgrade_database(ctx: DemoContext) -> str:
    from fugong.store.db import connect, current_revision, upgrade

    engine = connect(ctx.settings.resolved_database_url)
    upgrade(engine)
    return f"schema at {current_revision(engine)}"


def _scenario(ctx: DemoContext) -> str:
    from fugong.demo.scenario import generate

    files = generate(out_dir=ctx.settings.data_dir / "demo" / "scenario", scale=ctx.scale, seed=ctx.seed,
                     progress=ctx.progress)
    ctx.results["scenario"] = files
    return (f"{files.enterprise_count:,} 合成企业 synthetic enterprises, {files.daily_rows:,} daily and "
            f"{files.interval_rows:,} 15-min readings")


def _ingest_enterprises(ctx: DemoContext) -> str:
    """The scenario's enterprises through the validated ingest a grid company uses (idempotent)."""
    from fugong.index import ingest

    summary = ingest.ingest_enterprises(settings=ctx.settings, path=ctx.results["scenario"].enterprises, actor="system:demo")
    return f"{Path(summary.file).name}: {summary.accepted:,} of {summary.rows:,} accepted, {summary.rejected:,} rejected"


def _ingest_meters(ctx: DemoContext) -> str:
    """Load the scenario's readings through the same validated ingest a grid company uses
    (idempotent); the progress line names each file with its figures (rows, accepted, rejected, seconds)."""
    import time

    from fugong.index import ingest

    files = ctx.results["scenario"]
    settings = ctx.settings
    task = ctx.progress.add_task("  读数入库 / ingest", total=2) if ctx.progress else None
    figures = []
    summaries = []
    for path, kind in ((files.daily, "daily"), (files.interval, "interval")):
        started = time.perf_counter()
        summaries.append(ingest.ingest_readings(settings=settings, path=path, kind=kind, actor="system:demo"))
        summary = summaries[-1]
        # Rows equal to stored ones are neither new nor rejected: a 15-minute file whose daily totals the
        # daily file already holds adds its load shapes only ("0/1,695,456" alone read as all refused).
        same = f", {summary.duplicate:,} as stored" if summary.duplicate else ""
        figures.append(f"{Path(summary.file).name} {summary.accepted:,}/{summary.rows:,} new{same} in {time.perf_counter() - started:.0f} s")
        if task is not None:
            ctx.progress.update(task, advance=1, description="  读数入库 / ingest: " + " · ".join(figures))
    if task is not None:
        ctx.progress.remove_task(task)
    rejected = sum(s.rejected for s in summaries)
    accepted = sum(s.accepted for s in summaries)
    return f"{accepted:,} rows accepted, {rejected:,} rejected ({'; '.join(figures)})"


def _compute_index(ctx: DemoContext) -> str:
    from fugong.index import service
    from fugong.index.compute import IndexParams

    # Zhejiang firms could not restart before 2020-02-10 (provincial notice): used for first resumption.
    params = IndexParams(closures=("zhejiang-2020",))
    levels = service.compute_all(settings=ctx.settings, period=DEMO_PERIOD, params=params, enterprises_too=True)
    levels = {k: v for k, v in levels.items() if k not in ("enterprises", "enterprise_days")}
    rows = service.read_results(settings=ctx.settings, level="province", date=ctx.settings.as_of).to_pylist()
    headline = ""
    if rows:
        row = rows[0]
        headline = (f"; {row['date']}: R {row['index']:.2f} (N {row['resumed_share']:.2f} %, "
                    f"E {row['energy_ratio']:.2f} %)")
    return f"{len(levels)} breakdowns{headline}"


def _risk(ctx: DemoContext) -> str:
    from fugong.risk.demo import run_demo_stage

    return run_demo_stage(ctx)


def _healthcode(ctx: DemoContext) -> str:
    from fugong.healthcode.demo import run_demo

    return run_demo(ctx)


def _control(ctx: DemoContext) -> str:
    from fugong.control.demo import run_demo_stage

    return run_demo_stage(ctx)


def _resumption(ctx: DemoContext) -> str:
    from fugong.resumption.demo import run_demo_stage

    return run_demo_stage(ctx)


def _registry(ctx: DemoContext) -> str:
    from fugong.resumption.demo import run_registry_stage

    return run_registry_stage(ctx)


DEMO_USERS = (  # username, role, region prefix: who a visitor of the demo can sign in as
    ("demo-admin", "province_admin", "33"),
    ("demo-hangzhou", "officer", "3301"),
    ("demo-hangzhou-2", "officer", "3301"),  # the second officer of a two-person manual change
    ("demo-grid", "grid_analyst", "33"),
    ("demo-gate", "gate_staff", "3301"),  # the gate page (/code/gate) at the health-code demo firms' gates
)
DEMO_FIRM_USER = "demo-firm"  # an enterprise user of the first health-code demo firm (its day view)


def _demo_users(ctx: DemoContext) -> str:
    """Demo accounts with one generated password, kept in <data dir>/demo-password.txt (mode 0600)."""
    import os
    import secrets

    from fugong.access import SYSTEM
    from fugong.accounts import service
    from fugong.accounts.models import User
    from fugong.healthcode.demo import scenario_enterprises
    from fugong.store.db import connect, session_scope

    path = ctx.settings.data_dir / "demo-password.txt"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(12))
    password = path.read_text().strip()
    created = 0
    firm, district = scenario_enterprises(ctx.settings)[0]
    accounts = [(username, role, prefix, ()) for username, role, prefix in DEMO_USERS]
    accounts.append((DEMO_FIRM_USER, "enterprise", district, (firm,)))
    # The member of the public whose health-code record the health-code stage made (healthcode.demo).
    from fugong.healthcode.demo import DEMO_PERSON

    accounts.append((DEMO_PERSON, "person", district, ()))
    with session_scope(connect(ctx.settings.resolved_database_url)) as session:
        for username, role, prefix, enterprise_ids in accounts:
            if session.query(User).filter_by(username=username).first() is None:
                service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=prefix,
                                 enterprise_ids=enterprise_ids, password=password)
                created += 1
    ctx.results["demo_password"] = password
    return f"{', '.join(u for u, _, _, _ in accounts)} ({created} new; {DEMO_FIRM_USER} is {firm}); password in {path}"


def _desk(ctx: DemoContext) -> str:
    from fugong.desk.scenarios.demo import run_demo

    return run_demo(ctx)


def stages() -> list[Stage]:
    """In order. The alongside stages need the enterprises in the store (or nothing) and write the
    database; the scenario, ingest and index stages write Parquet (and the ingest's audit entries), so
    the two lanes overlap."""
    return [
        Stage("database", "升级数据库 / upgrade database", _upgrade_database),
        Stage("risk", "风险五色图 / risk map", _risk, alongside=True),  # needs nothing but the database
        Stage("scenario", "生成合成浙江 / generate synthetic Zhejiang", _scenario),
        Stage("enterprises", "企业名录入库 / ingest enterprises", _ingest_enterprises),
        Stage("healthcode", "健康码 / health codes", _healthcode, alongside=True),
        Stage("registry", "企业登记同步 / enterprise registry", _registry, alongside=True),
        Stage("users", "演示账号 / demo accounts", _demo_users, alongside=True),
        Stage("desk", "企业诉求办理 / demand desk", _desk, alongside=True),
        Stage("ingest", "电表读数入库 / ingest meter readings", _ingest_meters),
        Stage("index", "计算复工电力指数 / compute the resumption index", _compute_index),
        Stage("resumption", "复工备案与日报 / resumption filings and daily report", _resumption, waits=True),
        Stage("control", "精密智控指数 / precision control index", _control),
    ]
