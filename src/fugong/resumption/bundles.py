"""Supply-chain bundles (Yangzhou, seed 004): a leading firm files with its suppliers.

扬州丰尚 handed the high-tech zone a list of 52 small suppliers ("请求…尽快协调这些中小企业复工"): the leader's
resumption depends on the chain. ``file_bundle`` takes the leader and its suppliers' USCCs (in any
county): each supplier is found in the registry by USCC — or registered from the USCC itself, whose
characters 3–8 are the registering office's GB/T 2260 code (GB 32100-2015) — and gets its own filing
routed to ITS county's officers (a part's ``region_code`` is the supplier's county). The bundle shows
chain completeness: suppliers approved, and resumed by meter (the index's first resumption).
``bundle_groups`` gives ``group_id, enterprise_id`` for ``fugong index compute --by group --groups``,
so the bundle's own resumption index comes from the existing group breakdown.
"""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.enterprises.models import Enterprise
from fugong.enterprises.service import EnterpriseError, find_by_uscc, get_enterprise, normalise_uscc, register_enterprise
from fugong.resumption import filings
from fugong.resumption.models import Bundle, Filing


def _supplier(session: Session, principal: Principal, *, uscc: str, name: str | None) -> Enterprise:
    code = normalise_uscc(uscc)
    if code is None:
        raise EnterpriseError("uscc", "a supplier needs its USCC 供应商须填写统一社会信用代码")
    found = find_by_uscc(session, code)
    if found is not None:
        return found
    from fugong.reference import regions

    region = regions.find_in_any_vintage(code[2:8])
    if region is None or region.level != "county":
        raise EnterpriseError("uscc", f"{code}: its registration region {code[2:8]} is not a county; register the supplier "
                                      "with its operating county first 请先登记该供应商的经营所在区县")
    registrar = Principal(user_id=f"bundle-{principal.user_id}", role="system")
    return register_enterprise(session, registrar, enterprise_id=code, uscc=code, name=name or code,
                               region_code=region.code, source="bundle")


def file_bundle(session: Session, principal: Principal, *, lead_enterprise_id: str, name: str, suppliers: list[dict],
                planned_start: dt.date, at: dt.datetime | None = None) -> Bundle:
    """File the leader and its suppliers (``[{"uscc": …, "name": …}]``) as one bundle.

    The leader's users (or an officer of the leader's region) file it. Every part is submitted at once
    into its own county's queue; suppliers with an open filing of their own keep it (their part links
    the existing filing instead of opening a second one).
    """
    lead = get_enterprise(session, principal, lead_enterprise_id)
    if principal.role == "enterprise" and lead_enterprise_id not in principal.enterprise_ids:
        raise OutOfScope(f"{principal.actor} may file a bundle for its own enterprise only")
    if principal.role not in ("enterprise", "officer", "province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not file bundles")
    if not suppliers:
        raise EnterpriseError("suppliers", "a bundle needs at least one supplier")
    at = filings.utc(at)
    bundle = Bundle(id=f"B{at:%Y%m%d}-{secrets.token_hex(4)}", lead_enterprise_id=lead.enterprise_id, name=name.strip()
                    or lead.name, created_by=principal.actor, created_at=at)
    session.add(bundle)
    session.flush()
    members = [(lead, "bundle_lead")]
    seen = {lead.enterprise_id}
    for n, item in enumerate(suppliers, start=1):
        try:
            supplier = _supplier(session, principal, uscc=item.get("uscc", ""), name=item.get("name"))
        except EnterpriseError as exc:
            raise EnterpriseError(exc.field, f"supplier {n}: {exc.message}") from None
        if supplier.enterprise_id not in seen:
            seen.add(supplier.enterprise_id)
            members.append((supplier, "bundle_part"))
    submitter = principal  # the parts are filed in the leader's name (the audit says who)
    for enterprise, kind in members:
        existing = session.scalar(select(Filing).where(Filing.enterprise_id == enterprise.enterprise_id,
                                                       Filing.state.in_(filings.OPEN_STATES)))
        if existing is not None:
            if existing.bundle_id is None:
                existing.bundle_id = bundle.id
            continue
        filing = filings.create_filing(session, submitter, enterprise_id=enterprise.enterprise_id, kind=kind,
                                       planned_start=planned_start, bundle_id=bundle.id, policy=_review_policy(), at=at)
        filing.answers = {"bundle_lead": lead.enterprise_id, "bundle": bundle.id}
        filings.move(session, filing, action="submit", principal=submitter, at=at,
                     reason=f"{lead.name} 产业链协同复工 / filed in the supply chain of {lead.name}",
                     data={"bundle": bundle.id, "lead": lead.enterprise_id})
        filing.submitted_at = at
    from fugong.store.audit import record_change

    record_change(session, actor=principal.actor, action="resumption.bundle.file", entity="rs_bundle", entity_id=bundle.id,
                  region_code=lead.region_code, after={"lead": lead.enterprise_id, "members": len(members)})
    session.flush()
    return bundle


def _review_policy():
    """Bundle parts are decided by each county (the leader cannot pledge for its suppliers)."""
    return filings.active_policy()


def completeness(session: Session, principal: Principal, *, bundle_id: str, day: dt.date, settings=None) -> dict:
    """The chain: every member with its county, filing state and meter; totals and per county.

    {"bundle", "lead", "members": [{enterprise_id, name, region_code, state, approved, metered, first_resumption}],
     "counties": {code: {"suppliers", "approved", "metered"}}, "suppliers", "approved", "metered", "complete"}
    The leader's users and officers of the leader's region see it all (it is the leader's own list);
    an officer elsewhere sees the bundle only through the parts routed to their county.
    """
    bundle = session.get(Bundle, bundle_id)
    if bundle is None:
        raise LookupError(f"no bundle {bundle_id}")
    lead = session.get(Enterprise, bundle.lead_enterprise_id)
    if not principal.can_see_enterprise(lead.enterprise_id, lead.region_code):
        raise LookupError(f"no bundle {bundle_id}")
    first = _first_resumptions(settings, [f.enterprise_id for f in _parts(session, bundle_id)] + [lead.enterprise_id])
    m = filings.machine()
    members, counties = [], {}
    for filing, enterprise in session.execute(select(Filing, Enterprise).join(Enterprise, Enterprise.enterprise_id == Filing.enterprise_id)
                                              .where(Filing.bundle_id == bundle_id).order_by(Filing.kind, Enterprise.region_code,
                                                                                            Enterprise.enterprise_id)):
        resumed_on = first.get(enterprise.enterprise_id)
        row = {"enterprise_id": enterprise.enterprise_id, "uscc": enterprise.uscc, "name": enterprise.name,
               "region_code": enterprise.region_code, "filing_id": filing.id, "kind": filing.kind, "state": filing.state,
               "state_zh": m.state(filing.state).zh, "state_en": m.state(filing.state).en,
               "approved": filing.state in filings.APPROVED_STATES,
               "first_resumption": resumed_on.isoformat() if resumed_on else None,
               "metered": resumed_on is not None and resumed_on <= day}
        members.append(row)
        if filing.kind == "bundle_part":
            county = counties.setdefault(enterprise.region_code, {"suppliers": 0, "approved": 0, "metered": 0})
            county["suppliers"] += 1
            county["approved"] += row["approved"]
            county["metered"] += row["metered"]
    parts = [r for r in members if r["kind"] == "bundle_part"]
    approved = sum(r["approved"] for r in parts)
    metered = sum(r["metered"] for r in parts)
    return {"bundle": bundle.id, "name": bundle.name, "date": day.isoformat(),
            "lead": {"enterprise_id": lead.enterprise_id, "name": lead.name, "region_code": lead.region_code},
            "members": members, "counties": counties, "suppliers": len(parts), "approved": approved, "metered": metered,
            "complete": bool(parts) and approved == len(parts) and metered == len(parts),
            "approved_share": approved / len(parts) if parts else None,
            "metered_share": metered / len(parts) if parts else None}


def _parts(session: Session, bundle_id: str) -> list[Filing]:
    return list(session.scalars(select(Filing).where(Filing.bundle_id == bundle_id)))


def _first_resumptions(settings, enterprise_ids) -> dict:
    """{enterprise id: first resumption date} from the index's per-enterprise results (empty without)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from fugong.index.oneday import read_enterprise_results

    if settings is None:
        from fugong.config import get_settings

        settings = get_settings()
    table = read_enterprise_results(settings, columns=["enterprise_id", "first_resumption"])
    if table is None:
        return {}
    table = table.filter(pc.is_in(table["enterprise_id"].cast(pa.string()), pa.array(list(enterprise_ids), pa.string())))
    return {eid: day for eid, day in zip(table["enterprise_id"].to_pylist(), table["first_resumption"].to_pylist())
            if day is not None}


def bundles_of(session: Session, principal: Principal, *, enterprise_id: str | None = None) -> list[dict]:
    query = select(Bundle, Enterprise).join(Enterprise, Enterprise.enterprise_id == Bundle.lead_enterprise_id)
    if principal.role in ("enterprise", "service_officer"):
        query = query.where(Bundle.lead_enterprise_id.in_(sorted(principal.enterprise_ids)))
    else:
        query = query.where(Enterprise.region_code.startswith(principal.region_prefix))
    if enterprise_id:
        query = query.where(Bundle.lead_enterprise_id == enterprise_id)
    return [{"id": b.id, "name": b.name, "lead_enterprise_id": e.enterprise_id, "lead_name": e.name,
             "region_code": e.region_code, "created_at": b.created_at.isoformat()}
            for b, e in session.execute(query.order_by(Bundle.created_at.desc()))]


def bundle_groups(session: Session, principal: Principal) -> list[dict]:
    """``group_id, enterprise_id`` rows (every member of every bundle the principal sees)."""
    rows = []
    for bundle in bundles_of(session, principal):
        for enterprise_id in session.scalars(select(Filing.enterprise_id).where(Filing.bundle_id == bundle["id"])):
            rows.append({"group_id": bundle["id"], "enterprise_id": enterprise_id})
    return rows
