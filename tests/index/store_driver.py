"""A writer or reader of the meter store in its own process, for the concurrency tests.

    python -m tests.index.store_driver ingest FILE KIND [--pause before|after SECONDS SIGNAL]
    python -m tests.index.store_driver compute ROUNDS OUT        (compute_all ROUNDS times; R of each round)
    python -m tests.index.store_driver run ROUNDS THETA [DAY] [--pause SECONDS SIGNAL]
                                       (``fugong index run`` ROUNDS times for February 3–20, or for DAY
                                       only; ``--pause`` waits just before the new plan file replaces the old)

``--pause`` makes the writer wait at a point of its commit (before the manifest swap, or after it and
before the audit entries reach the database), having first created the file SIGNAL, so a test can
start a second writer or kill this one there.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path


def main(argv: list[str]) -> None:
    from fugong.config import get_settings
    from fugong.index import ingest, service, store
    from fugong.index.compute import IndexParams, Window

    settings = get_settings()
    if argv[0] == "ingest":
        path, kind = Path(argv[1]), argv[2]
        if "--pause" in argv:
            where, seconds, signal = argv[argv.index("--pause") + 1: argv.index("--pause") + 4]

            def pause() -> None:
                Path(signal).write_text("paused", encoding="utf-8")
                time.sleep(float(seconds))

            setattr(store, "before_commit" if where == "before" else "after_commit", pause)
        summary = ingest.ingest_readings(settings=settings, path=path, kind=kind, actor="test:driver")
        print(json.dumps({"accepted": summary.accepted}))
    elif argv[0] == "compute":
        rounds, out = int(argv[1]), Path(argv[2])
        params = IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 31)))
        results = []
        for _ in range(rounds):
            service.compute_all(settings=settings, period=Window(dt.date(2020, 2, 1), dt.date(2020, 2, 3)), params=params)
            table = service.read_results(settings=settings, level="province")
            results.append(sorted((r["date"].isoformat(), r["reporting"]) for r in table.to_pylist()))
        out.write_text(json.dumps(results), encoding="utf-8")
    elif argv[0] == "run":
        from fugong.index import oneday

        rounds, theta = int(argv[1]), float(argv[2])
        day = {dt.date.fromisoformat(argv[3])} if len(argv) > 3 and not argv[3].startswith("--") else None
        if "--pause" in argv:
            seconds, signal = argv[argv.index("--pause") + 1: argv.index("--pause") + 3]

            def pause_before_the_plan() -> None:
                Path(signal).write_text("paused", encoding="utf-8")
                time.sleep(float(seconds))

            oneday.before_replace = pause_before_the_plan
        params = IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30)), theta=theta)
        for _ in range(rounds):
            service.compute_all(settings=settings, period=Window(dt.date(2020, 2, 3), dt.date(2020, 2, 20)), params=params,
                                only_dates=day)


if __name__ == "__main__":
    main(sys.argv[1:])
