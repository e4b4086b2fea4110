"""Declared against metered (Wenzhou's lesson: firms ran idle machines to look resumed).

Two lists per county, for follow-up by the county officers:

- ``declared_not_metered``: enterprises approved and declaring work (a filing declared resumed on or
  before the day) while their meter says not resumed by the day — with the meter's first-resumption
  date (if any, later than the day), the cohort and the load-shape flags beside the declaration;
- ``metered_not_filed``: enterprises whose meter resumed by the day but that never submitted a filing.

The meter side is the index's per-enterprise results (``results/index/enterprises.parquet``:
``first_resumption``, ``cohort``, ``never_stopped``, ``idle_suspect`` …), computed by
``fugong index run`` / the demo, read with the first resumptions of later ``--date`` runs applied
(``fugong.index.oneday.read_enterprise_results``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.enterprises.models import Enterprise
from fugong.resumption.models import Filing
from fugong.workflow.models import TransitionRow

READERS = ("officer", "province_admin", "system", "grid_analyst")
FLAG_COLUMNS = ("cohort", "never_stopped", "idle_suspect", "flat_profile", "night_jump", "near_threshold")


def _meter_table(settings):
    from fugong.index.oneday import read_enterprise_results

    table = read_enterprise_results(settings)
    if table is None:
        return None
    keep = [c for c in ("enterprise_id", "first_resumption", *FLAG_COLUMNS) if c in table.column_names]
    return table.select(keep)


def crosscheck(session: Session, principal: Principal, *, day: dt.date, settings=None, region_prefix: str = "",
               limit: int = 500) -> dict:
    """{"date", "region_prefix", "meter_results": bool, "declared_not_metered": [...], "metered_not_filed": [...],
        "counts": {county: {"declared_not_metered", "metered_not_filed"}}}"""
    if principal.role not in READERS:
        raise AccessDenied(f"{principal.actor} may not read the cross-check lists")
    if region_prefix and not region_prefix.startswith(principal.region_prefix):
        raise OutOfScope(f"{principal.actor} may not read region {region_prefix}")
    prefix = region_prefix or principal.region_prefix
    if settings is None:
        from fugong.config import get_settings

        settings = get_settings()
    table = _meter_table(settings)
    meter = {}
    if table is not None:
        for row in table.to_pylist():
            meter[row["enterprise_id"]] = row
    from fugong.resumption.report import end_of

    until = end_of(day)
    declared = session.execute(
        select(Filing.id, Filing.enterprise_id, Filing.region_code, Filing.declared_resumed_on, Enterprise.name)
        .join(Enterprise, Enterprise.enterprise_id == Filing.enterprise_id)
        .where(Filing.state == "resumed", Filing.declared_resumed_on <= day, Filing.region_code.startswith(prefix))
        .order_by(Filing.region_code, Filing.enterprise_id)).all()
    first_list, counts = [], {}
    for filing_id, enterprise_id, county, declared_on, name in declared:
        m = meter.get(enterprise_id) or {}
        first = m.get("first_resumption")
        if first is not None and first <= day:
            continue
        counts.setdefault(county, {"declared_not_metered": 0, "metered_not_filed": 0})["declared_not_metered"] += 1
        first_list.append({"enterprise_id": enterprise_id, "name": name, "region_code": county, "filing_id": filing_id,
                           "declared_resumed_on": declared_on.isoformat(),
                           "first_resumption": first.isoformat() if first else None,
                           "metered": bool(m), **{c: _plain(m.get(c)) for c in FLAG_COLUMNS}})
    submitted = set(session.scalars(
        select(Filing.enterprise_id).join(TransitionRow, (TransitionRow.entity_id == Filing.id)
                                          & (TransitionRow.machine == "resumption-filing"))
        .where(TransitionRow.action == "submit", TransitionRow.at <= until, Filing.region_code.startswith(prefix))))
    second_list = []
    resumed_ids = {eid for eid, m in meter.items() if m.get("first_resumption") is not None and m["first_resumption"] <= day}
    if resumed_ids:
        for enterprise_id, county, name in session.execute(
                select(Enterprise.enterprise_id, Enterprise.region_code, Enterprise.name)
                .where(Enterprise.region_code.startswith(prefix)).order_by(Enterprise.region_code, Enterprise.enterprise_id)):
            if enterprise_id not in resumed_ids or enterprise_id in submitted:
                continue
            counts.setdefault(county, {"declared_not_metered": 0, "metered_not_filed": 0})["metered_not_filed"] += 1
            if len(second_list) < limit:
                m = meter[enterprise_id]
                second_list.append({"enterprise_id": enterprise_id, "name": name, "region_code": county,
                                    "first_resumption": m["first_resumption"].isoformat(),
                                    **{c: _plain(m.get(c)) for c in FLAG_COLUMNS}})
    return {"date": day.isoformat(), "region_prefix": prefix, "meter_results": table is not None,
            "declared_not_metered": first_list[:limit], "metered_not_filed": second_list,
            "counts": dict(sorted(counts.items())),
            "totals": {"declared_not_metered": len(first_list),
                       "metered_not_filed": sum(c["metered_not_filed"] for c in counts.values())}}


def _plain(value):
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value
