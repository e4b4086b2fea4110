"""Rejects files: every rejected row of a load, in a CSV of its own that no other load overwrites.

    path = write_rejects(settings.rejects_dir, source="contacts-0211.csv", label="healthcode-list",
                         fields=["file", "row", "field", "error", "id_masked"], rows=rejects)
    # <rejects dir>/healthcode-list-contacts-0211-20200211T083012Z-3f9a1c2b.rejects.csv

The name holds the source's stem, the UTC time and 8 random hex characters, and the file is created
with O_EXCL: two loads in the same second (or the same process) never share a file. Values are
written as given; callers mask personal data (an ID number is never in a rejects file) and cut long
values (``fugong.errors.shorten``).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
import secrets
from pathlib import Path

_SAFE = re.compile(r"[^0-9A-Za-z._\u4e00-\u9fff-]+")


def new_rejects_path(rejects_dir: Path, *, source: str, label: str) -> tuple[Path, int]:
    """A new, empty rejects file (path and an open descriptor); the name is unique, the file created
    exclusively."""
    rejects_dir = Path(rejects_dir)
    rejects_dir.mkdir(parents=True, exist_ok=True)
    stem = _SAFE.sub("_", Path(str(source)).stem)[:60] or "upload"
    stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    while True:
        path = rejects_dir / f"{label}-{stem}-{stamp}-{secrets.token_hex(4)}.rejects.csv"
        try:
            return path, os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # 1 in 4 billion: draw again
            continue


def write_rejects(rejects_dir: Path, *, source: str, label: str, fields: list[str], rows: list[dict]) -> Path | None:
    """Write the rejected rows to a new rejects file; None when there are none."""
    if not rows:
        return None
    path, fd = new_rejects_path(rejects_dir, source=source, label=label)
    with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path
