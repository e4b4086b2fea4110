"""Job handlers for the workflow tests: each run leaves one row in ``test_effect`` (so a test can see
whether a job's effects happened once, twice or not at all)."""

from __future__ import annotations

import os
import pathlib
import time

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from fugong.workflow import jobs
from tests.workflow.entities import TestBase


class Effect(TestBase):
    __tablename__ = "test_effect"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_key: Mapped[str] = mapped_column(String(200))


@jobs.handler("test.effect")
def effect(session, job):
    session.add(Effect(job_key=job.key))
    session.flush()
    marker = (job.payload or {}).get("pause_marker")
    if marker:
        pathlib.Path(marker).write_text(str(os.getpid()))
        time.sleep(60)
    return {"done": job.key}


@jobs.handler("test.fail")
def fail(session, job):
    session.add(Effect(job_key=job.key))
    raise RuntimeError("the handler failed")
