"""Resumption filings (复工备案) and their approval, decided by a policy file and gated by the risk map.

The life of a filing (machines/resumption-filing.toml)::

    draft ─submit→ submitted ─approve→ approved ─declare_resumed→ resumed
                       │  └─reject / return (officer, with reason)
                       └─grant_provisional (system, commitment policy) → provisionally_approved
                             ├─ sampled:     inspect_pass → approved | inspect_fail → revoked (reason)
                             └─ not sampled: confirm (job after N days) → approved
    approved / provisional / resumed ─reassess (safety check or officer)→ reassessment
                             ─reinstate→ approved | ─revoke→ revoked

What decides (``submit_filing``):
1. the policy's window (Wenzhou periods) — refused before anything is stored if too early;
2. the checklist (prevention plan, protective stock, green share of the staff planned on site,
   safety-critical posts covered), evaluated from the answers and the roster, kept with the filing;
3. for a commitment policy: a signed pledge of the current version + every checklist item + a county
   whose measures allow commitment-based resumption and the enterprise's class → provisional
   approval at once and the sampling draw; a class the county's level does not allow → rejected with
   the measures' reason; anything else → the officers' queue with the reasons listed;
4. every approving transition (approve, grant_provisional, confirm, inspect_pass, reinstate) is
   guarded by the county's current level (``measures_allow``): refused with the reason otherwise.

Every transition notifies the enterprise through the outbox in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.config import TIMEZONE
from fugong.enterprises.models import FLAGS, Enterprise
from fugong.enterprises.service import classes_on, get_enterprise
from fugong.resumption.gate import county_gate
from fugong.resumption.models import Filing, Inspection
from fugong.resumption.policies import FilingRefused, Policy, load_policy
from fugong.workflow import jobs, outbox, transitions
from fugong.workflow.machine import Machine, TransitionRefused, load_machine
from fugong.workflow.transitions import utc

TZ = ZoneInfo(TIMEZONE)
MACHINE_FILE = Path(str(resources.files("fugong.resumption") / "machines" / "resumption-filing.toml"))
OPEN_STATES = ("draft", "submitted", "provisionally_approved", "approved", "resumed", "reassessment")
# (models.OPEN_FILING: the unique index of open filings names the same states)
APPROVED_STATES = ("provisionally_approved", "approved", "resumed")
STAFF_ROLES = ("officer", "province_admin", "system")
NOTICES: dict[str, tuple[str, str]] = {  # to_state -> subject (zh, en) sent to the enterprise
    "submitted": ("已收到复工备案", "Resumption filing received"),
    "provisionally_approved": ("承诺即复工：已临时核准", "Resumption on commitment: provisionally approved"),
    "approved": ("复工备案已核准", "Resumption filing approved"),
    "rejected": ("复工备案未通过", "Resumption filing rejected"),
    "draft": ("复工备案被退回补充", "Resumption filing returned for more information"),
    "revoked": ("复工核准已撤销", "Resumption approval revoked"),
    "reassessment": ("复工核准须重新评估", "Resumption approval under re-assessment"),
}


_MACHINE: list[Machine] = []


def machine() -> Machine:
    """The filing machine (package data: loaded once per process, checked when loaded)."""
    if not _MACHINE:
        _MACHINE.append(load_machine(MACHINE_FILE))
    return _MACHINE[0]


def now() -> dt.datetime:
    return dt.datetime.now(TZ)


def active_policy(policy: Policy | str | None = None) -> Policy:
    if isinstance(policy, Policy):
        return policy
    if policy is None:
        from fugong.config import get_settings

        policy = get_settings().resumption_policy
    return load_policy(policy)


def notice_channels() -> outbox.Channels:
    from fugong.config import get_settings

    return outbox.Channels.from_settings(get_settings())


# --- the guard ------------------------------------------------------------------------------------

def _measures_allow(filing: Filing, principal: Principal, transition, at: dt.datetime) -> None:
    """Guard of every approving transition: the county's level on the day of the decision must allow
    the enterprise's class (a decision now is judged by the latest publication)."""
    session = object_session(filing)
    enterprise = session.get(Enterprise, filing.enterprise_id)
    today = min(at.astimezone(TZ).date(), now().date())
    classes = classes_on(session, enterprise, today)
    gate = county_gate(session, county=filing.region_code, day=today)
    if not gate.allows(classes):
        zh, en = gate.refusal(classes)
        raise TransitionRefused(zh, en, code="measures")


GUARDS = {"measures_allow": _measures_allow}


def notice(filing_id: str, to_state: str, reason: str | None) -> tuple[tuple[str, str], tuple[str, str]] | None:
    """The enterprise's notice of a filing entering ``to_state``: (subject, body), each (zh, en); or None."""
    subject = NOTICES.get(to_state)
    if subject is None:
        return None
    state = machine().state(to_state)
    return subject, (f"备案 {filing_id}：{state.zh}" + (f"。理由：{reason}" if reason else ""),
                     f"Filing {filing_id}: {state.en}" + (f". Reason: {reason}" if reason else ""))


def move(session: Session, filing: Filing, *, action: str, principal: Principal, reason: str | None = None,
         data: dict | None = None, at: dt.datetime | None = None):
    """Apply a transition (checked, guarded, recorded, audited) and notify the enterprise."""
    row = transitions.apply(session, machine=machine(), entity=filing, action=action, principal=principal,
                            region_code=filing.region_code, reason=reason, data=data, guards=GUARDS, at=at)
    told = notice(filing.id, row.to_state, reason)
    if told is not None:
        enterprise = session.get(Enterprise, filing.enterprise_id)
        outbox.notify(session, dedupe_key=f"resumption-filing:{row.id}", recipient_kind="enterprise",
                      recipient_id=filing.enterprise_id, region_code=filing.region_code,
                      kind=f"filing.{row.to_state}", subject=told[0], body=told[1],
                      link=f"/resumption/filings/{filing.id}", entity="rs_filing", entity_id=filing.id,
                      email=enterprise.contact_email if enterprise else None, channels=notice_channels(), at=at)
    return row


# --- access ---------------------------------------------------------------------------------------

def get_filing(session: Session, principal: Principal, filing_id: str, *, for_update: bool = False) -> Filing:
    """The filing if the principal may see it: its enterprise's users, paired service officers,
    officers of its county's region (LookupError hides the others' filings)."""
    query = select(Filing).where(Filing.id == filing_id)
    if for_update and session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    filing = session.scalar(query)
    if principal.role not in ("enterprise", "service_officer") + STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not read filings")
    if filing is None or not principal.can_see_enterprise(filing.enterprise_id, filing.region_code):
        raise LookupError(f"no filing {filing_id}")
    return filing


def _require_own(principal: Principal, filing: Filing) -> None:
    if principal.role == "enterprise" and filing.enterprise_id not in principal.enterprise_ids:
        raise AccessDenied(f"{principal.actor} may not act on filing {filing.id}")


def _require_officer(principal: Principal, filing: Filing) -> None:
    if principal.role not in ("officer", "province_admin"):
        raise AccessDenied(f"{principal.actor} may not decide filings")
    principal.require_region(filing.region_code)


# --- creating and submitting ----------------------------------------------------------------------

def flags_of(enterprise: Enterprise) -> tuple[str, ...]:
    return tuple(flag for flag in FLAGS if getattr(enterprise, flag))


def new_filing_id(day: dt.date) -> str:
    return f"F{day:%Y%m%d}-{secrets.token_hex(4)}"


def create_filing(session: Session, principal: Principal, *, enterprise_id: str, planned_start: dt.date,
                  staff_planned: int = 0, answers: dict | None = None, policy: Policy | str | None = None,
                  kind: str = "single", bundle_id: str | None = None, at: dt.datetime | None = None) -> Filing:
    """A draft filing of an enterprise (its own users, or an officer of its region on its behalf)."""
    if principal.role not in ("enterprise",) + STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not file")
    if kind != "bundle_part":
        enterprise = get_enterprise(session, principal, enterprise_id)
    else:
        enterprise = session.get(Enterprise, enterprise_id)
    if principal.role == "enterprise" and kind != "bundle_part" and enterprise_id not in principal.enterprise_ids:
        raise OutOfScope(f"{principal.actor} may file for its own enterprise only")
    rules = active_policy(policy)
    at = utc(at)
    classes = classes_on(session, enterprise, at.astimezone(TZ).date())
    rules.check_window(classes=classes, flags=flags_of(enterprise), day=at.astimezone(TZ).date())
    open_filing = session.scalar(select(Filing.id).where(Filing.enterprise_id == enterprise_id,
                                                         Filing.state.in_(OPEN_STATES)).limit(1))
    if open_filing is not None:
        raise FilingRefused(f"本企业已有进行中的复工备案 {open_filing}", f"the enterprise has an open filing {open_filing}")
    if staff_planned < 0:
        raise ValueError("staff_planned: a number of people, 0 or more")
    filing = Filing(id=new_filing_id(at.astimezone(TZ).date()), enterprise_id=enterprise_id,
                    region_code=enterprise.region_code, policy=rules.ref, kind=kind, bundle_id=bundle_id,
                    planned_start=planned_start, staff_planned=staff_planned, answers=dict(answers or {}),
                    created_by=principal.actor, created_at=at)
    session.add(filing)
    transitions.start(session, machine=machine(), entity=filing, principal=principal,
                      region_code=filing.region_code, at=at)
    return filing


def evaluate_checklist(session: Session, filing: Filing, rules: Policy) -> list[dict]:
    """The policy's checklist items for this filing (``checklist_items``), from its roster as stored."""
    from fugong.resumption.models import Employee
    from fugong.resumption.roster import colours_on
    from fugong.resumption.safety import coverage

    staff = []
    if "staff_green_share" in rules.checklist:
        staff = list(session.scalars(select(Employee).where(Employee.enterprise_id == filing.enterprise_id)))
    planned = planned_on_site(staff, filing.planned_start)
    posts = coverage(session, enterprise_id=filing.enterprise_id) if rules.checklist.get("safety_posts_covered") else []
    return checklist_items(rules, answers=filing.answers or {}, planned=planned,
                           colours=colours_on(session, [e.person_id for e in planned]), posts=posts)


def planned_on_site(staff, planned_start: dt.date) -> list:
    """The employees planned on site at the start: on site now, or not returned with a return planned by then."""
    return [e for e in staff if e.status == "on_site" or (
        e.status == "not_returned" and e.planned_return is not None and e.planned_return <= planned_start)]


def checklist_items(rules: Policy, *, answers: dict, planned: list, colours: dict, posts: list[dict]) -> list[dict]:
    """The policy's checklist items: {key, zh, en, required, value, ok}. ``planned``: the employees planned
    on site (``planned_on_site``); ``colours``: {person id: colour} of them; ``posts``: the roster's
    safety-critical coverage (``safety.coverage``)."""
    items = []
    wanted = rules.checklist
    if "prevention_plan" in wanted:
        value = bool(answers.get("prevention_plan"))
        items.append({"key": "prevention_plan", "zh": "疫情防控方案", "en": "prevention plan", "required": True,
                      "value": value, "ok": value or not wanted["prevention_plan"]})
    if "protective_stock_days" in wanted:
        try:
            days = int(answers.get("protective_stock_days") or 0)
        except (TypeError, ValueError):
            days = 0
        items.append({"key": "protective_stock_days", "zh": "防护物资储备（天）", "en": "protective stock (days)",
                      "required": wanted["protective_stock_days"], "value": days,
                      "ok": days >= int(wanted["protective_stock_days"])})
    if "staff_green_share" in wanted:
        green = sum(1 for e in planned if e.person_id and colours.get(e.person_id) == "green")
        share = green / len(planned) if planned else None
        items.append({"key": "staff_green_share", "zh": "计划到岗员工绿码比例", "en": "green share of staff planned on site",
                      "required": wanted["staff_green_share"], "value": share, "planned": len(planned), "green": green,
                      "ok": share is not None and share >= float(wanted["staff_green_share"])})
    if wanted.get("safety_posts_covered"):
        items.append({"key": "safety_posts_covered", "zh": "安全生产关键岗位有人到岗", "en": "every safety-critical post covered",
                      "required": True, "value": [{"certificate": p["certificate"], "covered": p["covered"]} for p in posts],
                      "ok": all(p["covered"] for p in posts)})
    return items


def _risk_staff_share(session: Session, filing: Filing, rules: Policy, day: dt.date) -> float:
    from fugong.resumption.gate import severity_of_regions
    from fugong.resumption.models import Employee

    origins = list(session.scalars(select(Employee.origin_region).where(Employee.enterprise_id == filing.enterprise_id,
                                                                        Employee.status != "left")))
    if not origins or rules.sampling is None:
        return 0.0
    return risk_staff_share(origins, severity_of_regions(session, day=day), rules)


def risk_staff_share(origins: list[str | None], severity, rules: Policy) -> float:
    """The share of the staff (not gone) who come back from a risk area (``severity(code) -> int | None``)."""
    if not origins or rules.sampling is None:
        return 0.0
    risky = sum(1 for code in origins if code and (severity(code) or 0) >= rules.sampling.risk_area_severity)
    return risky / len(origins)


def submit_filing(session: Session, principal: Principal, *, filing_id: str, answers: dict | None = None,
                  pledge_signed_by: str | None = None, pledge_version: str | None = None,
                  policy: Policy | str | None = None, at: dt.datetime | None = None) -> Filing:
    """Submit a draft (see the module docstring for what then decides it)."""
    filing = get_filing(session, principal, filing_id, for_update=True)
    _require_own(principal, filing)
    rules = active_policy(policy)
    at = utc(at)
    day = at.astimezone(TZ).date()
    enterprise = session.get(Enterprise, filing.enterprise_id)
    classes = classes_on(session, enterprise, day)
    rules.check_window(classes=classes, flags=flags_of(enterprise), day=day)
    if answers is not None:
        filing.answers = {**(filing.answers or {}), **answers}
    filing.checklist = evaluate_checklist(session, filing, rules)
    filing.classes = list(classes)
    if rules.priorities:
        filing.priority_score, met = rules.score(classes=classes, flags=flags_of(enterprise),
                                                 above_scale=enterprise.above_scale, size_class=enterprise.size_class,
                                                 answers=filing.answers or {})
    else:
        met = []
    if pledge_signed_by:
        if rules.pledge is None or pledge_version != rules.pledge["version"]:
            raise FilingRefused("承诺书版本不符，请阅读并签署当前版本", "the pledge signed is not the current version: read and sign it again")
        filing.pledge_version, filing.pledge_signed_by, filing.pledge_signed_at = pledge_version, pledge_signed_by.strip()[:80], at
    filing.submitted_at = at
    failed = [item for item in filing.checklist if not item["ok"]]
    move(session, filing, action="submit", principal=principal, at=at,
         data={"checklist_failed": [i["key"] for i in failed], "classes": list(classes), "priorities": met,
               "policy": rules.ref})
    if rules.mode == "commitment":
        _decide_on_commitment(session, filing, rules, classes=classes, failed=failed, at=at)
    return filing


@dataclass(frozen=True)
class CommitmentDecision:
    """What a commitment policy decides at submission: ``action`` "reject" (the county's level does
    not allow the class), "grant_provisional", or None (stays submitted for the officers, with
    ``review_reasons``)."""

    action: str | None
    reason: str | None = None
    data: dict | None = None
    review_reasons: tuple[dict, ...] = ()
    probability: float | None = None
    sampled: bool | None = None


def decide_on_commitment(rules: Policy, *, filing_id: str, gate, classes, failed: list[dict], pledged: bool,
                         risk_share) -> CommitmentDecision:
    """Seed 004 (Harbin, Daqing): a signed pledge, every checklist item and a county that allows the class
    and commitment-based resumption → provisional approval and the sampling draw. ``risk_share()``: the
    share of staff from risk areas (called only when a draw is made)."""
    if not gate.allows(classes):
        zh, en = gate.refusal(classes)
        return CommitmentDecision("reject", reason=f"{zh} / {en}", data={"gate": gate.as_dict()})
    reasons = []
    if not pledged:
        reasons.append(("未签署承诺书", "no signed pledge"))
    reasons += [(f"清单未满足：{i['zh']}", f"checklist not met: {i['en']}") for i in failed]
    if not gate.commitment:
        reasons.append((f"{gate.county_name}当前等级（{gate.level_zh}）不实行承诺即复工",
                        f"{gate.county_name} at level {gate.level_en} does not allow resumption on commitment"))
    if reasons:
        return CommitmentDecision(None, review_reasons=tuple({"zh": z, "en": e} for z, e in reasons))
    sampling = rules.sampling
    probability = sampling.probability(level=gate.level, risk_staff_share=risk_share()) if sampling else 0.0
    draw = sampling.draw(filing_id) if sampling else 1.0
    sampled = draw < probability
    return CommitmentDecision("grant_provisional", reason=f"承诺即复工（{rules.pledge['version']}）/ resumption on commitment",
                              data={"gate": gate.as_dict(), "sample_probability": probability, "draw": draw,
                                    "sampled": sampled},
                              probability=probability, sampled=sampled)


def confirm_job(rules: Policy, filing_id: str, at: dt.datetime) -> dict:
    """The job that confirms a provisional approval not sampled, ``confirm_after_days`` later."""
    return {"kind": "resumption.confirm_provisional", "key": f"confirm:{filing_id}",
            "due_at": (at + dt.timedelta(days=rules.sampling.confirm_after_days)).astimezone(dt.timezone.utc),
            "payload": {"filing": filing_id}}


def _decide_on_commitment(session: Session, filing: Filing, rules: Policy, *, classes, failed, at: dt.datetime) -> None:
    system = Principal(user_id="commitment", role="system")
    day = at.astimezone(TZ).date()
    decision = decide_on_commitment(rules, filing_id=filing.id, gate=county_gate(session, county=filing.region_code, day=day),
                                    classes=classes, failed=failed, pledged=bool(filing.pledge_signed_by),
                                    risk_share=lambda: _risk_staff_share(session, filing, rules, day))
    if decision.action is None:
        # stays submitted: the officers' queue shows why it was not granted on commitment
        filing.answers = {**(filing.answers or {}), "_review_reasons": list(decision.review_reasons)}
        return
    if decision.action == "grant_provisional":
        filing.sample_probability, filing.sampled = decision.probability, decision.sampled
    move(session, filing, action=decision.action, principal=system, reason=decision.reason, data=decision.data, at=at)
    if decision.action == "grant_provisional" and not decision.sampled and rules.sampling is not None:
        jobs.schedule(session, **confirm_job(rules, filing.id, at))


# --- decisions ------------------------------------------------------------------------------------

OFFICER_ACTIONS = ("approve", "reject", "return", "revoke", "reinstate", "reassess")


def decide(session: Session, principal: Principal, *, filing_id: str, action: str, reason: str | None,
           at: dt.datetime | None = None) -> Filing:
    """An officer's decision with a reason (the machine says which need one)."""
    if action not in OFFICER_ACTIONS:
        raise TransitionRefused("未知操作", f"unknown decision {action!r}", code="unknown_action")
    filing = get_filing(session, principal, filing_id, for_update=True)
    _require_officer(principal, filing)
    move(session, filing, action=action, principal=principal, reason=reason, at=at)
    return filing


def record_inspection(session: Session, principal: Principal, *, filing_id: str, passed: bool, findings: str,
                      reason: str | None = None, inspected_on: dt.date | None = None,
                      at: dt.datetime | None = None) -> Filing:
    """The on-site inspection of a sampled provisional approval: passed → approved, failed → revoked."""
    filing = get_filing(session, principal, filing_id, for_update=True)
    _require_officer(principal, filing)
    at = utc(at)
    inspection = Inspection(filing_id=filing.id, outcome="passed" if passed else "failed", findings=findings or "",
                            inspected_on=inspected_on or at.astimezone(TZ).date(), inspector=principal.actor, at=at)
    session.add(inspection)
    move(session, filing, action="inspect_pass" if passed else "inspect_fail", principal=principal,
         reason=reason or (findings if not passed else None), data={"findings": findings}, at=at)
    return filing


def declare_resumed(session: Session, principal: Principal, *, filing_id: str, on: dt.date,
                    at: dt.datetime | None = None) -> Filing:
    filing = get_filing(session, principal, filing_id, for_update=True)
    if principal.role != "enterprise":
        raise AccessDenied("only the enterprise declares its own resumption")
    _require_own(principal, filing)
    filing.declared_resumed_on = on
    move(session, filing, action="declare_resumed", principal=principal, data={"on": on.isoformat()}, at=at)
    from fugong.resumption.safety import check_enterprise

    check_enterprise(session, enterprise_id=filing.enterprise_id)
    return filing


def withdraw(session: Session, principal: Principal, *, filing_id: str) -> Filing:
    filing = get_filing(session, principal, filing_id, for_update=True)
    _require_own(principal, filing)
    move(session, filing, action="withdraw", principal=principal)
    return filing


def confirm_provisional(session: Session, *, filing_id: str) -> str:
    """The job's body: a provisional approval that was not sampled becomes approved (if still provisional)."""
    filing = session.get(Filing, filing_id)
    if filing is None or filing.state != "provisionally_approved" or filing.sampled:
        return "skipped"
    try:
        move(session, filing, action="confirm", principal=Principal(user_id="confirm", role="system"),
             reason="未抽中核查，期满确认 / not sampled: confirmed when due")
    except TransitionRefused as exc:  # the county's level no longer allows it: stays provisional, visible
        return f"refused: {exc.en}"
    return "confirmed"


# --- reading --------------------------------------------------------------------------------------

def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def receipt(filing) -> dict:
    """What filing answers at once (the page follows the redirect to the full view): the id, the state
    it reached in the same transaction, and why it waits if it does. ``filing``: a Filing, or anything
    with its attributes (a batch's new row)."""
    m = machine()
    return {"id": filing.id, "enterprise_id": filing.enterprise_id, "region_code": filing.region_code,
            "state": filing.state, "state_zh": m.state(filing.state).zh, "state_en": m.state(filing.state).en,
            "sampled": filing.sampled, "review_reasons": (filing.answers or {}).get("_review_reasons", []),
            "checklist": filing.checklist or [], "link": f"/resumption/filings/{filing.id}"}


def filing_view(session: Session, principal: Principal, filing: Filing) -> dict:
    m = machine()
    enterprise = session.get(Enterprise, filing.enterprise_id)
    actions = [{"action": t.action, "zh": t.zh, "en": t.en, "reason_required": t.reason_required}
               for t in m.actions_for(filing.state, principal.role)
               if t.action not in ("grant_provisional", "confirm", "submit" if principal.role != "enterprise" else "")]
    inspections = [{"outcome": i.outcome, "findings": i.findings, "inspected_on": i.inspected_on.isoformat(),
                    "inspector": i.inspector}
                   for i in session.scalars(select(Inspection).where(Inspection.filing_id == filing.id).order_by(Inspection.id))]
    gate = county_gate(session, county=filing.region_code, day=now().date())
    classes = filing.classes or list(classes_on(session, enterprise, now().date()))
    return {
        "id": filing.id, "enterprise_id": filing.enterprise_id, "enterprise_name": enterprise.name if enterprise else "",
        "region_code": filing.region_code, "policy": filing.policy, "kind": filing.kind, "bundle_id": filing.bundle_id,
        "state": filing.state, "state_zh": m.state(filing.state).zh, "state_en": m.state(filing.state).en,
        "state_since": _aware(filing.state_changed_at).isoformat(), "planned_start": filing.planned_start.isoformat(),
        "staff_planned": filing.staff_planned,
        "answers": {k: v for k, v in (filing.answers or {}).items() if not k.startswith("_")},
        "review_reasons": (filing.answers or {}).get("_review_reasons", []),
        "checklist": filing.checklist or [], "classes": classes, "priority_score": filing.priority_score,
        "pledge": {"version": filing.pledge_version, "signed_by": filing.pledge_signed_by,
                   "signed_at": _aware(filing.pledge_signed_at).isoformat() if filing.pledge_signed_at else None},
        "sampled": filing.sampled, "sample_probability": filing.sample_probability,
        "declared_resumed_on": filing.declared_resumed_on.isoformat() if filing.declared_resumed_on else None,
        "gate": {**gate.as_dict(), "allows": gate.allows(classes),
                 "refusal": None if gate.allows(classes) else dict(zip(("zh", "en"), gate.refusal(classes)))},
        "timeline": transitions.timeline(session, machine=m, entity_id=filing.id),
        "inspections": inspections, "actions": actions,
    }


QUEUE_STATES = ("submitted", "provisionally_approved", "reassessment")


def queue(session: Session, principal: Principal, *, states: tuple[str, ...] = QUEUE_STATES, region_prefix: str = "",
          sampled_only: bool = False, limit: int = 200) -> dict:
    """The officers' queue: filings waiting in ``states`` in the principal's region, by priority score
    (Shanghai), then longest waiting first; with counts per state and the oldest age per state."""
    if principal.role not in STAFF_ROLES:
        raise AccessDenied(f"{principal.actor} may not see the queue")
    if region_prefix and not (region_prefix.startswith(principal.region_prefix)):
        raise OutOfScope(f"{principal.actor} may not see region {region_prefix}")
    prefix = region_prefix or principal.region_prefix
    m = machine()
    base = select(Filing).where(Filing.state.in_(states), Filing.region_code.startswith(prefix))
    if sampled_only:
        base = base.where(Filing.sampled.is_(True))
    counts = dict(session.execute(select(Filing.state, func.count()).where(Filing.state.in_(states),
                                                                             Filing.region_code.startswith(prefix))
                                  .group_by(Filing.state)).all())
    rows = session.execute(base.add_columns(Enterprise.name).join(Enterprise, Enterprise.enterprise_id == Filing.enterprise_id)
                           .order_by(func.coalesce(Filing.priority_score, 0).desc(), Filing.state_changed_at)
                           .limit(limit)).all()
    current = now()
    out = []
    for filing, name in rows:
        age = (current - _aware(filing.state_changed_at)).total_seconds() / 3600
        out.append({"id": filing.id, "enterprise_id": filing.enterprise_id, "enterprise_name": name,
                    "region_code": filing.region_code, "kind": filing.kind, "state": filing.state,
                    "state_zh": m.state(filing.state).zh, "state_en": m.state(filing.state).en,
                    "since": _aware(filing.state_changed_at).isoformat(), "age_hours": round(age, 1),
                    "priority_score": filing.priority_score, "sampled": filing.sampled,
                    "planned_start": filing.planned_start.isoformat(),
                    "review_reasons": (filing.answers or {}).get("_review_reasons", [])})
    return {"region_prefix": prefix, "counts": {s: int(counts.get(s, 0)) for s in states},
            "states": [{"key": s, "zh": m.state(s).zh, "en": m.state(s).en} for s in states], "rows": out}


def enterprise_filings(session: Session, principal: Principal, *, enterprise_id: str) -> list[dict]:
    get_enterprise(session, principal, enterprise_id)
    m = machine()
    return [{"id": f.id, "state": f.state, "state_zh": m.state(f.state).zh, "state_en": m.state(f.state).en,
             "planned_start": f.planned_start.isoformat(), "since": _aware(f.state_changed_at).isoformat(),
             "kind": f.kind, "bundle_id": f.bundle_id}
            for f in session.scalars(select(Filing).where(Filing.enterprise_id == enterprise_id)
                                     .order_by(Filing.created_at.desc()))]
