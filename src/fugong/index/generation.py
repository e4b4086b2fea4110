"""The index results as generations: a full run's results are put in place in one step, whole.

    results/index              a symbolic link to .index/<id>: what every reader opens
    results/.index/<id>/       one generation: level=*/date=*/…, enterprise_days/…, enterprises.parquet,
                               baselines.parquet, plan.duckdb, params.json
    results/.index/<id>.partial   a full run's generation while it is written
    results/.index.lock        held (flock) by the run writing results: one at a time

A full run (``fugong index run`` without ``--date``) starts its generation as hard links to the
files of the current one (days outside its period stay as they are; a file is never written in
place, so a link is as good as a copy), writes into it, renames it complete and replaces the link
(``os.replace`` of a new link: atomic). Readers see the old results or the new ones, never a mix of
the two runs' files nor another run's parameters over them. Killed before the link is replaced, the
run leaves the old generation untouched; its partial folder is removed by the next run (under the
lock no other run is writing it). A run for some days (``--date``) writes into the current
generation, file by file, each replaced atomically.

A generation replaced by a newer one is kept for the store's grace period
(``FUGONG_STORE_GRACE_SECONDS``) for a reader that resolved a path inside it, then removed by the
next full run. Not by a run for some days (which removes only a killed run's partial folder):
removing a generation of the demo's size (some 650 files) took 2.3 s on a virtual disk, more than
the rest of such a run.

A results folder of an older version (a plain ``results/index`` directory) becomes the first
generation on the next write.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import uuid
from contextvars import ContextVar
from pathlib import Path
from typing import Iterator

# The generation a full run is writing, for ``results_dir`` in this thread (readers elsewhere, like
# the demo's second lane, keep reading the current one).
_writing: ContextVar[Path | None] = ContextVar("fugong_index_generation", default=None)

PARTIAL = ".partial"


def link_path(settings) -> Path:
    return Path(settings.data_dir) / "results" / "index"


def results_dir(settings) -> Path:
    """Where results are read and written: the current generation (through the link), or the one a
    full run in this thread is writing."""
    return _writing.get() or link_path(settings)


def _generations(settings) -> Path:
    return link_path(settings).parent / ".index"


@contextlib.contextmanager
def writing(settings, *, full: bool, on_wait=None) -> Iterator[Path]:
    """Hold the results' lock and yield the folder to write: with ``full``, a new generation put in
    place when the block ends without an error (and removed when it ends with one)."""
    from fugong.index.store import exclusive

    link = link_path(settings)
    with exclusive(link.parent / ".index.lock", busy=f"{link}: another index run is writing", on_wait=on_wait):
        _repair(settings)
        _collect(settings, replaced=full)
        if not full:
            link.parent.mkdir(parents=True, exist_ok=True)
            yield link
            return
        generations = _generations(settings)
        name = f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        staging = generations / f"{name}{PARTIAL}"
        _link_files(link, staging)
        token = _writing.set(staging)
        try:
            yield staging
        except BaseException:
            _writing.reset(token)
            shutil.rmtree(staging, ignore_errors=True)
            raise
        _writing.reset(token)
        complete = generations / name
        os.rename(staging, complete)
        previous = _current(settings)
        if previous is not None:
            os.utime(generations / previous)  # replaced from now on: kept for the grace period from this moment
        _point(settings, complete)


def _current(settings) -> str | None:
    """The name of the generation the link points to (None without a link)."""
    link = link_path(settings)
    return Path(os.readlink(link)).name if link.is_symlink() else None


def _link_files(source: Path, target: Path) -> None:
    """``target`` with a hard link to every finished file under ``source`` (temporaries skipped)."""
    target.mkdir(parents=True)
    if not source.exists():
        return
    for folder, dirs, files in os.walk(source, followlinks=True):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # a killed run's staging folders
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            if name.startswith("."):  # temporaries: .part-*.tmp, .plan-*.tmp, …
                continue
            try:
                os.link(Path(folder) / name, target / relative / name)
            except OSError:  # a file system without hard links
                shutil.copy2(Path(folder) / name, target / relative / name)


def _point(settings, generation: Path) -> None:
    """Replace the link by one to ``generation`` in one step."""
    link = link_path(settings)
    tmp = link.with_name(f".index-link-{uuid.uuid4().hex}")
    os.symlink(os.path.relpath(generation, link.parent), tmp)
    os.replace(tmp, link)


def _repair(settings) -> None:
    """Under the lock: a plain folder of an older version becomes a generation (renamed, then linked:
    a process killed between the two leaves no link, and readers no results, until the next index run
    comes here); a dangling or missing link points to the newest complete generation."""
    link = link_path(settings)
    generations = _generations(settings)
    if link.is_symlink():
        if link.exists():
            return
        link.unlink()
    elif link.is_dir():
        generations.mkdir(parents=True, exist_ok=True)
        adopted = generations / f"{time.time_ns():020d}-{uuid.uuid4().hex[:8]}"
        os.rename(link, adopted)
        _point(settings, adopted)
        return
    complete = sorted(g for g in generations.glob("*") if g.is_dir() and not g.name.endswith(PARTIAL)) if generations.exists() else []
    if complete:
        _point(settings, complete[-1])


def _collect(settings, *, replaced: bool) -> None:
    """Under the lock: remove partial generations (no run is writing them: left by a killed run) and,
    with ``replaced``, replaced ones older than the grace period."""
    from fugong.index.store import grace_seconds

    generations = _generations(settings)
    if not generations.exists():
        return
    current = _current(settings)  # by name: a data folder given as a relative path or through a link is the same
    for generation in generations.iterdir():
        if generation.name == current or not generation.is_dir():
            continue
        stale = time.time() - generation.stat().st_mtime > grace_seconds(settings)
        if generation.name.endswith(PARTIAL) or (replaced and stale):
            shutil.rmtree(generation, ignore_errors=True)
