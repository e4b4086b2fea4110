"""The stages of ``fugong demo``, in order. Each is a plain function ``run(ctx) -> str`` returning a
one-line summary; a domain adds its stage here when it lands.

    ctx = DemoContext(settings=..., engine=..., scale=1.0, seed=20200210, progress=...)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fugong.config import Settings


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


def _risk(ctx: DemoContext) -> str:
    from fugong.risk.demo import run_demo_stage

    return run_demo_stage(ctx)


def _healthcode(ctx: DemoContext) -> str:
    from fugong.healthcode.demo import run_demo

    return run_demo(ctx)


def stages() -> list[Stage]:
    return [
        Stage("database", "升级数据库 / upgrade database", _upgrade_database),
        Stage("scenario", "生成合成浙江 / generate synthetic Zhejiang", _scenario),
        Stage("risk", "风险五色图 / risk map", _risk),
        Stage("healthcode", "健康码 / health codes", _healthcode),
    ]
