"""Authoritative lists (confirmed and suspected cases, close contacts, people under quarantine).

Authorised staff (officers, province admins) load a CSV, one entry a row::

    kind,id_number,region_code,start_date,end_date
    confirmed,330106199001011234,330106,2020-02-01,
    close_contact,330106198505052345,330106,2020-02-03,2020-02-17

``end_date`` is the day of cure or release (empty = still current). Rows are validated; bad rows go
to a rejects CSV (row, field, error, masked ID only) and the good rows are loaded. A row is keyed by
(kind, ID, start date): loading it again updates its end date. Persons on a current entry turn red.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lifecycle import apply_lists, now, today
from fugong.healthcode.models import ListEntry, Person
from fugong.healthcode.people import PERSONAL_DATA_ROLES, InvalidIdentity, hash_id, mask_id, normalise_id
from fugong.healthcode.rules import LIST_KINDS
from fugong.errors import shown
from fugong.store.audit import record_change
from fugong.store.rejects import write_rejects
from fugong.store.textfiles import csv_rows

COLUMNS = ("kind", "id_number", "region_code", "start_date", "end_date")
MAX_UPLOAD_BYTES = 8 << 20  # about 150,000 rows: a bigger list is split or loaded with the CLI
SHOWN_REJECTS = 100  # the answer shows this many rejects; all of them are in the rejects file
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")  # ISO calendar date only: not 20200210, not 2020-W07-1
_REGION = re.compile(r"^[0-9]{6}$")  # ASCII digits (full-width ６ is a different string)
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2100, 12, 31)


class ListFileError(ValueError):
    """A list file that cannot be loaded at all (its header); the message names the file."""


@dataclass
class LoadResult:
    loaded: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0  # rows repeating an earlier row of the same file (also rejected, with its row)
    colour_changes: int = 0
    rejects_path: Path | None = None
    rejects: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"loaded": self.loaded, "updated": self.updated, "unchanged": self.unchanged,
                "rejected": self.rejected, "duplicates": self.duplicates, "colour_changes": self.colour_changes,
                "rejects_path": str(self.rejects_path) if self.rejects_path else None}


def _date(value: str) -> dt.date:
    value = value.strip()
    if not _DATE.match(value):
        raise ValueError(value)
    day = dt.date.fromisoformat(value)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(value)
    return day


def _known_region(code: str) -> bool:
    from fugong.reference.regions import find_in_any_vintage

    return find_in_any_vintage(code) is not None


def load_list_csv(
    session: Session,
    principal: Principal,
    *,
    text: str,
    source: str = "upload.csv",
    rejects_dir: Path | None = None,
    day: dt.date | None = None,
    secret: bytes | None = None,
) -> LoadResult:
    """Validate and load list rows; write rejected rows (masked) to ``rejects_dir``.

    Every row ends loaded, updated, unchanged or rejected (counted, and in the rejects file with its
    row, field and reason); a file the CSV reader cannot read raises TextFileError naming the line."""
    if principal.role not in PERSONAL_DATA_ROLES:
        raise AccessDenied(f"{principal.actor} may not load authoritative lists")
    day = day or today()
    rows = csv_rows(text.lstrip("\ufeff"), source=source)
    header = next(rows, (1, []))[1]
    names = [name.strip() for name in header]
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise ListFileError(f"{source}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    if len(set(names)) != len(names):
        raise ListFileError(f"{source}: duplicated column(s) in the header: "
                         f"{', '.join(sorted({n for n in names if names.count(n) > 1}))}")
    result = LoadResult()
    touched: set[str] = set()
    seen: dict[tuple, int] = {}
    for row_number, fields in rows:
        if not any(f.strip() for f in fields):
            continue  # a blank line
        row = dict(zip(names, fields))
        raw_id = (row.get("id_number") or "").strip()

        def reject(field_name: str, error: str) -> None:
            result.rejected += 1
            result.rejects.append({"file": source, "row": row_number, "field": field_name, "error": error,
                                   "id_masked": mask_id(raw_id[:40])})

        if len(fields) != len(names):
            reject("(row)", f"{len(fields)} fields, the header has {len(names)}")
            continue
        kind = (row.get("kind") or "").strip()
        if kind not in LIST_KINDS:
            reject("kind", f"{shown(kind)} is not one of {', '.join(LIST_KINDS)}")
            continue
        try:
            id_number = normalise_id(raw_id)
        except InvalidIdentity:
            reject("id_number", "not a valid GB 11643 resident ID")
            continue
        region = (row.get("region_code") or "").strip()
        if not _REGION.match(region) or not _known_region(region):
            reject("region_code", f"{shown(region)} is not a GB/T 2260 county, city or province code")
            continue
        if not principal.can_see_region(region):
            reject("region_code", f"{region} is outside your region {principal.region_prefix or '(all)'}")
            continue
        try:
            start = _date(row.get("start_date") or "")
        except ValueError:
            reject("start_date", f"{shown(row.get('start_date'))} is not a date YYYY-MM-DD between 2000 and 2100")
            continue
        end_text = (row.get("end_date") or "").strip()
        try:
            end = _date(end_text) if end_text else None
        except ValueError:
            reject("end_date", f"{shown(end_text)} is not a date YYYY-MM-DD between 2000 and 2100")
            continue
        if end is not None and end < start:
            reject("end_date", f"{end} is before start_date {start}")
            continue
        id_hash = hash_id(id_number, secret=secret)
        key = (kind, id_hash, start)
        if key in seen:
            result.duplicates += 1
            reject("(row)", f"repeats row {seen[key]} (same kind, ID and start date)")
            continue
        seen[key] = row_number
        existing = session.scalar(select(ListEntry).where(
            ListEntry.kind == kind, ListEntry.id_hash == id_hash, ListEntry.start_date == start))
        if existing is None:
            entry = ListEntry(kind=kind, id_hash=id_hash, id_masked=mask_id(id_number), region_code=region,
                              start_date=start, end_date=end, loaded_by=principal.actor, loaded_at=now())
            session.add(entry)
            session.flush()
            result.loaded += 1
            record_change(session, actor=principal.actor, action="healthcode.list.add", entity="hc_list_entry",
                          entity_id=str(entry.id), region_code=region,
                          after={"kind": kind, "id": mask_id(id_number), "start": start, "end": end})
        elif existing.end_date != end:
            record_change(session, actor=principal.actor, action="healthcode.list.update", entity="hc_list_entry",
                          entity_id=str(existing.id), region_code=region,
                          before={"end": existing.end_date}, after={"end": end})
            existing.end_date = end
            result.updated += 1
        else:
            result.unchanged += 1
        touched.add(id_hash)
    session.flush()
    for person in session.scalars(select(Person).where(Person.id_hash.in_(touched))) if touched else ():
        if apply_lists(session, person, actor=principal.actor, day=day):
            result.colour_changes += 1
    if rejects_dir is not None:
        result.rejects_path = write_rejects(rejects_dir, source=source, label="healthcode-list",
                                            fields=["file", "row", "field", "error", "id_masked"],
                                            rows=result.rejects)
    return result
