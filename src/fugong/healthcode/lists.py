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

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, Principal
from fugong.healthcode.lifecycle import apply_lists, now, today
from fugong.healthcode.models import ListEntry, Person
from fugong.healthcode.people import PERSONAL_DATA_ROLES, InvalidIdentity, hash_id, mask_id, normalise_id
from fugong.healthcode.rules import LIST_KINDS
from fugong.store.audit import record_change

COLUMNS = ("kind", "id_number", "region_code", "start_date", "end_date")


@dataclass
class LoadResult:
    loaded: int = 0
    updated: int = 0
    rejected: int = 0
    colour_changes: int = 0
    rejects_path: Path | None = None
    rejects: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"loaded": self.loaded, "updated": self.updated, "rejected": self.rejected,
                "colour_changes": self.colour_changes,
                "rejects_path": str(self.rejects_path) if self.rejects_path else None}


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value.strip())


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
    """Validate and load list rows; write rejected rows (masked) to ``rejects_dir``."""
    if principal.role not in PERSONAL_DATA_ROLES:
        raise AccessDenied(f"{principal.actor} may not load authoritative lists")
    day = day or today()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"{source}: missing column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}")
    result = LoadResult()
    touched: set[str] = set()
    for row_number, row in enumerate(reader, start=2):  # row 1 is the header
        raw_id = (row.get("id_number") or "").strip()

        def reject(field_name: str, error: str) -> None:
            result.rejected += 1
            result.rejects.append({"file": source, "row": row_number, "field": field_name, "error": error,
                                   "id_masked": mask_id(raw_id)})

        kind = (row.get("kind") or "").strip()
        if kind not in LIST_KINDS:
            reject("kind", f"{kind!r} is not one of {', '.join(LIST_KINDS)}")
            continue
        try:
            id_number = normalise_id(raw_id)
        except InvalidIdentity:
            reject("id_number", "not a valid GB 11643 resident ID")
            continue
        region = (row.get("region_code") or "").strip()
        if not (len(region) == 6 and region.isdigit()):
            reject("region_code", f"{region!r} is not a six-digit GB/T 2260 code")
            continue
        if not principal.can_see_region(region):
            reject("region_code", f"{region} is outside your region {principal.region_prefix or '(all)'}")
            continue
        try:
            start = _date(row.get("start_date") or "")
        except ValueError:
            reject("start_date", f"{row.get('start_date')!r} is not YYYY-MM-DD")
            continue
        end_text = (row.get("end_date") or "").strip()
        try:
            end = _date(end_text) if end_text else None
        except ValueError:
            reject("end_date", f"{end_text!r} is not YYYY-MM-DD")
            continue
        if end is not None and end < start:
            reject("end_date", f"{end} is before start_date {start}")
            continue
        id_hash = hash_id(id_number, secret=secret)
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
        touched.add(id_hash)
    session.flush()
    for person in session.scalars(select(Person).where(Person.id_hash.in_(touched))) if touched else ():
        if apply_lists(session, person, actor=principal.actor, day=day):
            result.colour_changes += 1
    if result.rejects and rejects_dir is not None:
        rejects_dir.mkdir(parents=True, exist_ok=True)
        stamp = now().strftime("%Y%m%dT%H%M%S")
        result.rejects_path = rejects_dir / f"healthcode-list-{Path(source).stem}-{stamp}.rejects.csv"
        with result.rejects_path.open("w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=["file", "row", "field", "error", "id_masked"])
            writer.writeheader()
            writer.writerows(result.rejects)
    return result
