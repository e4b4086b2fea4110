"""The scheduler's place in a serving process: a lifespan that starts it and stops it.

``fugong serve`` builds the app with ``create_app(run_scheduler=True)``; every worker process starts
a ``Scheduler`` thread and the database lease makes one of them work (see scheduler.py).
``FUGONG_SCHEDULER=false`` turns it off (then run ``fugong jobs run`` from cron).
"""

from __future__ import annotations

import contextlib


def scheduler_lifespan(settings):
    @contextlib.asynccontextmanager
    async def lifespan(app):
        running = None
        if settings.scheduler:
            from fugong.store.db import shared_engine
            from fugong.workflow.scheduler import Scheduler

            running = app.state.scheduler = Scheduler(shared_engine(settings.resolved_database_url), settings=settings)
            running.start()
        try:
            yield
        finally:
            if running is not None:
                running.stop()

    return lifespan
