"""Collection rounds and the funnel (seed 004, Wuhu high-tech zone: every two days the contact units
report their firms' demands, the development and reform office triages and dispatches them, the
departments report progress; the zone counts demands collected and solved per unit).

A round is a window of a region, ``[starts_at, ends_at)``, ending at midnight after its report day::

    fugong desk rounds create --region 340203 --first 2020-02-11 --every 2 --last 2020-02-25
    → round 1: 02-10 00:00 – 02-12 00:00 (report day 02-11), round 2: 02-12 – 02-14, … round 8 ends 02-26 00:00

The funnel is read from the transition rows and the contact log **as of a time** — nothing is
stored per round — so the funnel of a past round is the same today as on the evening it closed:

    firms contacted      distinct firms in the contact log before the time
    demands collected    demands created before it
    demands valid        demands that had been accepted (entered "valid") before it; firms valid: their firms
    dispatched           demands that had entered "dispatched" before it
    resolved             demands resolved or closed as of the time: resolve entries minus reopen entries
                         (a demand can only be reopened from "resolved", and only a resolution leads there)
    invalid, merged      demands that had been marked so
    money                amounts asked for by dispatched demands; credit granted, loans approved and funds
                         paid recorded with the latest resolution of each demand resolved as of the time

Per contact unit the collection figures count the unit that collected the demand; per department,
the department named in the dispatch and resolution rows (as it was then, even if re-dispatched since).

A closed round's funnel is frozen (``freeze_round``: a ``wf_report`` of kind
``desk.funnel:<prefix>:<round id>``, by the scheduler an hour after the round ends and again the next
evening) with the newest transition and contact-log ids it had seen. Reading a round answers the
frozen view while no row written after the freeze falls inside the round (a late import or a
backdated correction); otherwise it computes the round again, so frozen and computed answers are the
same, always. Computing one round's funnel reads every transition row before its end (seconds at
100,000 demands); a frozen one is one row.
"""

from __future__ import annotations

import copy
import datetime as dt
import threading
import weakref
from decimal import Decimal

from sqlalchemy import Integer, Numeric, case, cast, event, func, select
from sqlalchemy.orm import Session

from fugong.access import AccessDenied, OutOfScope, Principal
from fugong.desk.models import Contact, Demand, Milestone, Round, Unit
from fugong.desk.service import TZ, DeskError, machine
from fugong.store.audit import record_change
from fugong.workflow import jobs, reports
from fugong.workflow.models import TransitionRow

FUNNEL_ROLES = ("province_admin", "officer", "department", "system")
MONEY = ("amount_requested_yuan", "credit_granted_yuan", "loan_approved_yuan", "funds_paid_yuan")
FIGURES = ("firms_contacted", "demands_collected", "firms_valid", "demands_valid", "demands_dispatched",
           "demands_resolved", "demands_invalid", "demands_merged")
LABELS = {
    "firms_contacted": ("联络企业", "firms contacted"), "demands_collected": ("收集需求", "demands collected"),
    "firms_valid": ("有效需求企业", "firms with a valid demand"), "demands_valid": ("有效需求", "valid demands"),
    "demands_dispatched": ("已分派", "dispatched"), "demands_resolved": ("已解决", "resolved"),
    "demands_invalid": ("无效", "invalid"), "demands_merged": ("重复合并", "merged duplicates"),
    "amount_requested_yuan": ("申请融资（元）", "loans applied for (yuan)"),
    "credit_granted_yuan": ("银行授信（元）", "credit granted (yuan)"),
    "loan_approved_yuan": ("获批贷款（元）", "loans approved (yuan)"),
    "funds_paid_yuan": ("兑现资金（元）", "support funds paid (yuan)"),
}


def _local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=TZ).astimezone(dt.timezone.utc)


def create_rounds(session: Session, principal: Principal, *, region_prefix: str, first: dt.date, every: int,
                  last: dt.date, at: dt.datetime | None = None) -> list[Round]:
    """Rounds of ``every`` days whose report days run from ``first`` to ``last`` (numbered on from any
    rounds the region has); a round may not overlap an existing one."""
    if principal.role not in ("province_admin", "system"):
        raise AccessDenied(f"{principal.actor} may not create rounds")
    if not region_prefix.isdigit() or len(region_prefix) > 6:
        raise DeskError("region", "a GB/T 2260 code prefix of up to 6 digits")
    principal.require_region(region_prefix)
    if not 1 <= every <= 31:
        raise DeskError("every", "1–31 days")
    if last < first:
        raise DeskError("last", "the last report day is before the first")
    existing = list(session.scalars(select(Round).where(Round.region_prefix == region_prefix)))
    number = max((r.number for r in existing), default=0)
    made = []
    day = first
    while day <= last:
        starts, ends = _local_midnight(day - dt.timedelta(days=every - 1)), _local_midnight(day + dt.timedelta(days=1))
        for other in existing:
            o_start = other.starts_at if other.starts_at.tzinfo else other.starts_at.replace(tzinfo=dt.timezone.utc)
            o_end = other.ends_at if other.ends_at.tzinfo else other.ends_at.replace(tzinfo=dt.timezone.utc)
            if starts < o_end and o_start < ends:
                raise DeskError("first", f"round {other.number} already covers {day.isoformat()}")
        number += 1
        row = Round(region_prefix=region_prefix, number=number, starts_at=starts, ends_at=ends,
                    label=f"第{number}轮 {(day - dt.timedelta(days=every - 1)):%m-%d}–{day:%m-%d}")
        session.add(row)
        made.append(row)
        day += dt.timedelta(days=every)
    session.flush()
    for row in made:
        schedule_freezes(session, row, at=at)
    record_change(session, actor=principal.actor, action="desk.rounds.create", entity="desk_round",
                  entity_id=region_prefix, region_code=region_prefix,
                  after={"first": first.isoformat(), "every": every, "last": last.isoformat(), "rounds": len(made)}, at=at)
    return made


def rounds_of(session: Session, principal: Principal, *, region_prefix: str) -> list[Round]:
    """The rounds that apply to a region: those of the region's prefixes (and of its sub-regions)."""
    _require_reader(principal, region_prefix)
    rows = session.scalars(select(Round).order_by(Round.starts_at, Round.number))
    return [r for r in rows if region_prefix.startswith(r.region_prefix) or r.region_prefix.startswith(region_prefix)]


def get_round(session: Session, principal: Principal, *, round_id: int) -> Round:
    row = session.get(Round, round_id)
    if row is None or not (row.region_prefix.startswith(principal.region_prefix)
                           or principal.region_prefix.startswith(row.region_prefix)):
        raise LookupError(f"no round {round_id}")
    return row


def _require_reader(principal: Principal, region_prefix: str) -> None:
    if principal.role not in FUNNEL_ROLES:
        raise AccessDenied(f"{principal.actor} may not read the funnel")
    if not region_prefix.startswith(principal.region_prefix):
        raise OutOfScope(f"{principal.actor} may not read region {region_prefix}")


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def funnel(session: Session, principal: Principal, *, region_prefix: str, until: dt.datetime,
           since: dt.datetime | None = None, by_unit: bool = True, from_rows: bool = False,
           now: dt.datetime | None = None) -> dict:
    """The funnel of a region as of ``until`` (exclusive), cumulative — or, with ``since``, the flow
    of the window [since, until). See the module docstring for each figure.

    A cumulative funnel starts from the latest checkpoint still exact — a frozen round that ended by
    ``until``, or a live checkpoint of this process — and adds what the rows after it bring
    (``_growth``): an open round costs the rows since the last live checkpoint (ten to twenty
    minutes), not every row since the first round. A window's totals (``by_unit=False``) move on from a live checkpoint the same way.
    ``from_rows=True`` counts every row (what a freeze stores); ``now`` is the clock (tests)."""
    _require_reader(principal, region_prefix)
    if not from_rows:
        if since is None:
            return _cumulative(session, region_prefix=region_prefix, until=until, by_unit=by_unit, now=now)
        if not by_unit:
            return _flow(session, region_prefix=region_prefix, since=since, until=until, now=now)
    return _rows_funnel(session, region_prefix=region_prefix, until=until, since=since, by_unit=by_unit)


def _rows_funnel(session: Session, *, region_prefix: str, until: dt.datetime, since: dt.datetime | None,
                 by_unit: bool) -> dict:
    """The funnel counted from every row of the window (see ``funnel``)."""
    name = machine().name
    t = TransitionRow
    window = [t.machine == name, t.at < until, t.region_code.startswith(region_prefix)]
    if since is not None:
        window.append(t.at >= since)
    entity = cast(t.entity_id, Integer)
    collected_by = t.data["contact_unit"].as_string()
    department_of = t.data["department"].as_string()
    counted = ("collected", "valid", "dispatched", "resolved", "reopened", "invalid", "merged")
    # One pass over the window's rows of the counted states (index machine, to_state, at):
    # (state, distinct demands, rows).
    per_state = {state: (distinct, rows) for state, distinct, rows in session.execute(
        select(t.to_state, func.count(func.distinct(t.entity_id)), func.count())
        .where(*window, t.to_state.in_(counted)).group_by(t.to_state))}

    def entered(state: str) -> int:
        return per_state.get(state, (0, 0))[0]

    def rows_of(state: str) -> int:
        return per_state.get(state, (0, 0))[1]

    contacts = [Contact.at < until, Contact.region_code.startswith(region_prefix)]
    if since is not None:
        contacts.append(Contact.at >= since)
    if any(transition.to == "collected" for transition in machine().transitions):
        created = session.scalar(select(func.count()).where(*window, t.to_state == "collected",
                                                            t.action == "create")) or 0
    else:  # only a demand's creation enters "collected" (machines/demand.toml): its rows, counted above
        created = rows_of("collected")
    figures = {
        "firms_contacted": session.scalar(select(func.count(func.distinct(Contact.enterprise_id))).where(*contacts)) or 0,
        "demands_collected": created,
        "demands_valid": entered("valid"),
        "firms_valid": session.scalar(select(func.count(func.distinct(Demand.enterprise_id)))
                                      .join(t, Demand.id == entity).where(*window, t.to_state == "valid")) or 0,
        "demands_dispatched": entered("dispatched"),
        "demands_resolved": rows_of("resolved") - rows_of("reopened"),
        "demands_invalid": entered("invalid"),
        "demands_merged": entered("merged"),
    }
    figures.update(_money(session, window=window, entity=entity, until=until, since=since, region_prefix=region_prefix))
    result = {"region_prefix": region_prefix, "until": until.isoformat(), "since": since.isoformat() if since else None,
              "figures": figures}
    if by_unit:
        contacted = dict(session.execute(select(Contact.unit_code, func.count(func.distinct(Contact.enterprise_id)))
                                         .where(*contacts).group_by(Contact.unit_code)).all())
        collected = dict(session.execute(select(collected_by, func.count())
                                         .where(*window, t.to_state == "collected", t.action == "create")
                                         .group_by(collected_by)).all())
        valid_by, firms_by = {}, {}
        for unit, demands, firms in session.execute(
                select(Demand.contact_unit, func.count(func.distinct(t.entity_id)),
                       func.count(func.distinct(Demand.enterprise_id)))
                .join(t, Demand.id == entity).where(*window, t.to_state == "valid").group_by(Demand.contact_unit)):
            valid_by[unit], firms_by[unit] = demands, firms
        dispatched, resolved, reopened = {}, {}, {}
        for state, unit, distinct, rows in session.execute(
                select(t.to_state, department_of, func.count(func.distinct(t.entity_id)), func.count())
                .where(*window, t.to_state.in_(("dispatched", "resolved", "reopened")))
                .group_by(t.to_state, department_of)):
            if state == "dispatched":
                dispatched[unit] = distinct
            elif state == "resolved":
                resolved[unit] = rows
            else:
                reopened[unit] = rows
        names = {u.code: (u.name_zh, u.name_en) for u in session.scalars(select(Unit))}
        result["by_contact_unit"] = [
            {"unit": code, "name_zh": names.get(code, (code, code))[0], "name_en": names.get(code, (code, code))[1],
             "firms_contacted": contacted.get(code, 0), "demands_collected": collected.get(code, 0),
             "firms_valid": firms_by.get(code, 0), "demands_valid": valid_by.get(code, 0)}
            for code in sorted(set(contacted) | set(collected), key=lambda c: (c is None, c or ""))]
        result["by_department"] = [
            {"unit": code, "name_zh": names.get(code, (code, code))[0], "name_en": names.get(code, (code, code))[1],
             "demands_dispatched": dispatched.get(code, 0),
             "demands_resolved": resolved.get(code, 0) - reopened.get(code, 0)}
            for code in sorted(set(dispatched) | set(resolved), key=lambda c: (c is None, c or ""))]
    return result


# --- a cumulative funnel from a frozen round ---------------------------------------------------------
#
# The figures as of T are those as of the checkpoint F (a frozen round's end, still exact) plus what
# [F, T) adds. Counts of rows (resolutions, reopenings) simply add up. Demands that entered a state
# (collected, valid, dispatched, invalid, merged; a department's dispatched demands) add when their
# first entry — their milestone — falls in [F, T). Firms contacted and firms with a valid demand add
# only the firms that had none before F: a probe per firm. The money of resolutions is the latest
# resolution of each demand: for the demands the window touches, their value as of T replaces their
# value as of F.

ADDED_BY_ENTERING = {"valid": "demands_valid", "dispatched": "demands_dispatched", "invalid": "demands_invalid",
                     "merged": "demands_merged"}


def _checkpoint(session: Session, region_prefix: str, until: dt.datetime) -> dict | None:
    """The cumulative view of the latest round of exactly this prefix that ended by ``until`` and whose
    frozen view is still exact; None if there is none."""
    # A handful of rows, compared here: SQLite keeps the times as UTC text, ``until`` may be local.
    candidates = [row for row in session.scalars(select(Round)) if _aware(row.ends_at) <= until]
    if not candidates:
        return None
    frozen = frozen_views(session, candidates, region_prefix)
    if not frozen:
        return None
    view = max(frozen.values(), key=lambda v: v["until"])
    return view if view["region_prefix"] == region_prefix and view.get("since") is None else None


def _growth(session: Session, *, region_prefix: str, since: dt.datetime, until: dt.datetime, by_unit: bool) -> dict:
    """What the cumulative funnel gains from ``since`` (the checkpoint) to ``until``: {"figures": {…},
    "contact_units": {code: {…}}, "departments": {code: {…}}} of increments.

    "Entered a state" figures come from the milestones (the first time each demand entered it): a
    demand adds to them when its milestone falls in [since, until) — a range of one index. Firms with
    a valid demand add when no demand of theirs had one before ``since`` (a probe per firm). Counts of
    rows (resolutions, reopenings) and the contact log are read from their own rows."""
    from sqlalchemy import exists
    from sqlalchemy.orm import aliased

    name = machine().name
    t, m, m2 = TransitionRow, Milestone, aliased(Milestone)
    c, c2 = Contact, aliased(Contact)
    window = [t.machine == name, t.at >= since, t.at < until, t.region_code.startswith(region_prefix)]

    def entered(state: str, *, any_department: bool = True) -> list:
        return [m.state == state, m.department == "" if any_department else m.department != "",
                m.first_at >= since, m.first_at < until, m.region_code.startswith(region_prefix)]

    def firm_valid_before(*more):
        # "valid" milestones are never per department. The index (enterprise_id, state, contact_unit, …)
        # answers in one step per firm; the time is compared in a form no index serves, or SQLite,
        # without statistics, walks (state, first_at) — every valid demand before F, for each firm.
        return exists().where(m2.enterprise_id == m.enterprise_id, m2.state == "valid", *more,
                              func.coalesce(m2.first_at, m2.first_at) < since,
                              m2.region_code.startswith(region_prefix))

    figures: dict = {}
    rows = dict(session.execute(select(t.to_state, func.count()).where(
        *window, t.to_state.in_(("resolved", "reopened"))).group_by(t.to_state)).all())
    figures["demands_resolved"] = rows.get("resolved", 0) - rows.get("reopened", 0)
    new = dict(session.execute(select(m.state, func.count()).where(
        m.state.in_(("collected",) + tuple(ADDED_BY_ENTERING)), m.department == "", m.first_at >= since,
        m.first_at < until, m.region_code.startswith(region_prefix)).group_by(m.state)).all())
    figures["demands_collected"] = new.get("collected", 0)  # a demand is created once: its first "collected"
    for state, key in ADDED_BY_ENTERING.items():
        figures[key] = new.get(state, 0)
    contacts = [c.at >= since, c.at < until, c.region_code.startswith(region_prefix)]
    contacted_before = [func.coalesce(c2.at, c2.at) < since, c2.region_code.startswith(region_prefix),
                        c2.enterprise_id == c.enterprise_id]  # by the firm's own rows, as above
    figures["firms_contacted"] = session.scalar(select(func.count(func.distinct(c.enterprise_id))).where(
        *contacts, ~exists().where(*contacted_before))) or 0
    figures["firms_valid"] = session.scalar(select(func.count(func.distinct(m.enterprise_id))).where(
        *entered("valid"), ~firm_valid_before())) or 0
    requested = session.scalar(select(func.coalesce(func.sum(Demand.amount_yuan), 0))
                               .join(m, m.demand_id == Demand.id).where(*entered("dispatched")))
    figures["amount_requested_yuan"] = Decimal(str(requested or 0))
    figures.update(_money_growth(session, window=window, since=since, until=until, region_prefix=region_prefix))
    out = {"figures": figures, "contact_units": {}, "departments": {}}
    if not by_unit:
        return out

    def add(table: dict, key, figure: str, value: int) -> None:
        table.setdefault(key, {})[figure] = table.get(key, {}).get(figure, 0) + value

    # A unit is listed once it has contacted or collected (a department once it has dispatched or
    # resolved), as in ``funnel``: the other figures of an unlisted unit are not shown there either.
    units, departments = out["contact_units"], out["departments"]
    out["listed_units"], out["listed_departments"] = listed_units, listed_departments = set(), set()
    for unit, count in session.execute(select(c.unit_code, func.count(func.distinct(c.enterprise_id))).where(
            *contacts, ~exists().where(*contacted_before, c2.unit_code.is_not_distinct_from(c.unit_code)))
            .group_by(c.unit_code)):
        add(units, unit, "firms_contacted", count)
        listed_units.add(unit)
    for state, unit, count in session.execute(select(m.state, m.contact_unit, func.count()).where(
            m.state.in_(("collected", "valid")), m.department == "", m.first_at >= since, m.first_at < until,
            m.region_code.startswith(region_prefix)).group_by(m.state, m.contact_unit)):
        add(units, unit, "demands_collected" if state == "collected" else "demands_valid", count)
        if state == "collected":
            listed_units.add(unit)
    for unit, count in session.execute(select(m.contact_unit, func.count(func.distinct(m.enterprise_id))).where(
            *entered("valid"), ~firm_valid_before(m2.contact_unit.is_not_distinct_from(m.contact_unit)))
            .group_by(m.contact_unit)):
        add(units, unit, "firms_valid", count)
    for unit, count in session.execute(select(m.department, func.count()).where(
            *entered("dispatched", any_department=False)).group_by(m.department)):
        add(departments, unit, "demands_dispatched", count)
        listed_departments.add(unit)
    department_of = t.data["department"].as_string()
    for state, unit, count in session.execute(select(t.to_state, department_of, func.count()).where(
            *window, t.to_state.in_(("resolved", "reopened"))).group_by(t.to_state, department_of)):
        add(departments, unit, "demands_resolved", count if state == "resolved" else -count)
        if state == "resolved":
            listed_departments.add(unit)
    return out


def _money_growth(session: Session, *, window, since, until, region_prefix, lower=None) -> dict:
    """The resolution money's increments (Decimal): for each demand resolved or reopened in the
    window, its latest resolution's values as of ``until`` minus those as of ``since`` (among its rows
    from ``lower`` on, when given)."""
    t = TransitionRow
    # The demands the window touches, listed, then read by their own rows (a subquery here made SQLite
    # walk every row of the machine); in slices, within any database's limit of parameters.
    touched = sorted(set(session.scalars(select(t.entity_id).where(*window,
                                                                   t.to_state.in_(("resolved", "reopened"))))))
    values = {key: t.data[key].as_string() for key in MONEY[1:]}
    out = dict.fromkeys(values, Decimal(0))
    for start in range(0, len(touched), 5000):
        part = touched[start:start + 5000]

        def resolved_values(as_of: dt.datetime) -> tuple:
            rows = [t.machine == machine().name, t.entity_id.in_(part), t.at < as_of,
                    t.region_code.startswith(region_prefix), t.to_state.in_(("resolved", "reopened"))]
            if lower is not None:
                rows.append(t.at >= lower)
            latest = select(func.max(t.id).label("id")).where(*rows).group_by(t.entity_id).subquery()
            return session.execute(select(*(func.coalesce(func.sum(cast(value, Numeric(16, 2))), 0)
                                            for value in values.values()))
                                   .join(latest, latest.c.id == t.id).where(t.action == "resolve")).one()

        for key, now, then in zip(values, resolved_values(until), resolved_values(since)):
            out[key] += Decimal(str(now or 0)) - Decimal(str(then or 0))
    return out


def _grown(session: Session, checkpoint: dict, *, region_prefix: str, until: dt.datetime, by_unit: bool) -> dict:
    """The checkpoint's cumulative view moved on to ``until`` (the same shape ``funnel`` returns)."""
    since = dt.datetime.fromisoformat(checkpoint["until"])
    result = {"region_prefix": region_prefix, "until": until.isoformat(), "since": None,
              "figures": dict(checkpoint["figures"])}
    growth = _growth(session, region_prefix=region_prefix, since=since, until=until, by_unit=by_unit) \
        if since < until else {"figures": {}, "contact_units": {}, "departments": {}, "listed_units": set(),
                               "listed_departments": set()}
    for key, value in growth["figures"].items():
        if key in MONEY:
            total = Decimal(str(result["figures"][key])) + value
            result["figures"][key] = float(total.quantize(Decimal("0.01")))
        else:
            result["figures"][key] += value
    if not by_unit:
        return result
    names = {u.code: (u.name_zh, u.name_en) for u in session.scalars(select(Unit))}

    def merged(entries: list[dict], more: dict, listed: set, figures: tuple[str, ...]) -> list[dict]:
        table = {entry["unit"]: {k: entry[k] for k in figures} for entry in entries}
        for code, increments in more.items():
            if code not in table and code not in listed:
                continue
            row = table.setdefault(code, dict.fromkeys(figures, 0))
            for key, value in increments.items():
                row[key] += value
        return [{"unit": code, "name_zh": names.get(code, (code, code))[0], "name_en": names.get(code, (code, code))[1],
                 **table[code]} for code in sorted(table, key=lambda c: (c is None, c or ""))]

    result["by_contact_unit"] = merged(checkpoint.get("by_contact_unit", []), growth["contact_units"],
                                       growth["listed_units"],
                                       ("firms_contacted", "demands_collected", "firms_valid", "demands_valid"))
    result["by_department"] = merged(checkpoint.get("by_department", []), growth["departments"],
                                     growth["listed_departments"], ("demands_dispatched", "demands_resolved"))
    return result


# --- live checkpoints (this process's memory) ---------------------------------------------------------
#
# An open round has no frozen checkpoint after the previous round's end, so every request would add
# the whole round's rows (a second at 100,000 demands). A live checkpoint is the funnel as of a time
# T0 a little in the past (every LIVE_STEP, at least LIVE_MARGIN ago), kept in this process's memory
# with the stamp read before it was computed. Like a frozen round it is used while no row written after
# the stamp falls before T0, and a request adds only the rows of [T0, until). Every figure is additive
# over adjacent windows (the growth of [F, T0) and of [T0, t) make the growth of [F, t)), so the answer
# is the same as counting every row — tested in test_an_open_round_moves_on_from_a_live_checkpoint.py.
#
# The next live checkpoint grows from the previous one; once a day (LIVE_REBUILD) it is rebuilt from
# the frozen round or the rows, so anything a checkpoint could have missed — a transaction that
# committed after the stamp with an id below it (a PostgreSQL sequence hands ids out before commit)
# and a time before T0 — lasts a day at most, as a frozen round's lasts until its recheck. A checkpoint
# is stored only by a transaction that has written nothing (what it saw cannot be rolled back).

LIVE_STEP = dt.timedelta(minutes=10)
LIVE_MARGIN = dt.timedelta(minutes=10)  # desk transactions take milliseconds; ten minutes is ample
LIVE_REBUILD = dt.timedelta(hours=24)
LIVE_PER_KEY = 4
_LIVE: "weakref.WeakKeyDictionary[object, dict]" = weakref.WeakKeyDictionary()
_LIVE_LOCK = threading.Lock()
_WROTE = "fugong.desk.rounds:wrote"
_MEMO = "fugong.desk.rounds:memo"  # this transaction's funnels, while it writes nothing: a page asks twice


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(_WROTE, None)
        session.info.pop(_MEMO, None)


def _memo(session: Session, key: tuple, compute) -> dict:
    """``compute()``, once per transaction that has written nothing (a copy each time: callers add
    to what they get)."""
    if session.info.get(_WROTE):
        session.info.pop(_MEMO, None)
        return compute()
    memo = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return copy.deepcopy(memo[key])


def _clock(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.timezone.utc)


def _until(view: dict) -> dt.datetime:
    return dt.datetime.fromisoformat(view["until"])


def _live_time(until: dt.datetime, now: dt.datetime | None) -> dt.datetime:
    """T0 for a funnel as of ``until``: ``until`` itself once it is LIVE_MARGIN in the past, else the
    last LIVE_STEP boundary before now - LIVE_MARGIN."""
    settled = _clock(now) - LIVE_MARGIN
    if until <= settled:
        return until
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
    return epoch + ((settled - epoch) // LIVE_STEP) * LIVE_STEP


def _live(session: Session, key: tuple, *, until: dt.datetime, now: dt.datetime | None, rebuild, extend,
          rebuild_after: dt.datetime | None = None) -> dict:
    """The live checkpoint of ``key`` for a funnel as of ``until``: the latest one still exact, or a new
    one at T0 grown from it (``extend(view, start, T0)``) or rebuilt (``rebuild(T0)``) — when the chain is
    a day old, there is none, or a frozen round ends after it (``rebuild_after``)."""
    at = _live_time(until, now)
    engine = session.get_bind()
    with _LIVE_LOCK:
        entries = sorted(_LIVE.get(engine, {}).get(key, {}).items(), reverse=True)
    found = None
    for when, (stamp, view, origin) in entries:
        if when <= until and _still_exact(_earliest_since(session, stamp), when):
            found = when, view, origin
            break
    if found is not None and found[0] >= at:
        return found[1]
    stamp = _stamp(session)  # read first: a row committed meanwhile has a larger id and is found stale
    if found is not None and _clock(now) - found[2] < LIVE_REBUILD and \
            (rebuild_after is None or found[0] >= rebuild_after):
        view, origin = extend(found[1], found[0], at), found[2]
    else:
        view, origin = rebuild(at), _clock(now)
    if not session.info.get(_WROTE):
        with _LIVE_LOCK:
            kept = _LIVE.setdefault(engine, {}).setdefault(key, {})
            kept[at] = (stamp, view, origin)
            for old in sorted(kept)[:-LIVE_PER_KEY]:
                del kept[old]
    return view


def _cumulative(session: Session, *, region_prefix: str, until: dt.datetime, by_unit: bool,
                now: dt.datetime | None) -> dict:
    """The cumulative funnel as of ``until`` from the latest exact checkpoint, frozen or live."""
    return _memo(session, ("cumulative", region_prefix, until, by_unit),
                 lambda: _cumulative_now(session, region_prefix=region_prefix, until=until, by_unit=by_unit, now=now))


def _cumulative_now(session: Session, *, region_prefix: str, until: dt.datetime, by_unit: bool,
                    now: dt.datetime | None) -> dict:
    frozen = _checkpoint(session, region_prefix, until)
    base = frozen
    if frozen is None or _until(frozen) < _live_time(until, now):
        def rebuild(at: dt.datetime) -> dict:
            if frozen is None:
                return _rows_funnel(session, region_prefix=region_prefix, until=at, since=None, by_unit=by_unit)
            return _grown(session, frozen, region_prefix=region_prefix, until=at, by_unit=by_unit)

        base = _live(session, ("cumulative", region_prefix, by_unit), until=until, now=now, rebuild=rebuild,
                     extend=lambda view, _start, at: _grown(session, view, region_prefix=region_prefix, until=at,
                                                            by_unit=by_unit),
                     rebuild_after=_until(frozen) if frozen else None)
    return _grown(session, base, region_prefix=region_prefix, until=until, by_unit=by_unit)


def _flow(session: Session, *, region_prefix: str, since: dt.datetime, until: dt.datetime,
          now: dt.datetime | None) -> dict:
    """The totals of the window [since, until): a live checkpoint of the window as of T0 and what the
    rows of [T0, until) add to it."""
    return _memo(session, ("flow", region_prefix, since, until),
                 lambda: _flow_now(session, region_prefix=region_prefix, since=since, until=until, now=now))


def _flow_now(session: Session, *, region_prefix: str, since: dt.datetime, until: dt.datetime,
              now: dt.datetime | None) -> dict:
    def rebuild(at: dt.datetime) -> dict:
        return _rows_funnel(session, region_prefix=region_prefix, until=max(at, since), since=since, by_unit=False)

    def extend(view: dict, _start, at: dt.datetime) -> dict:
        return _flow_grown(session, view, region_prefix=region_prefix, lower=since, until=at)

    base = _live(session, ("flow", region_prefix, since.isoformat()), until=until, now=now, rebuild=rebuild,
                 extend=extend)
    return _flow_grown(session, base, region_prefix=region_prefix, lower=since, until=until)


def _flow_grown(session: Session, view: dict, *, region_prefix: str, lower: dt.datetime, until: dt.datetime) -> dict:
    """A window's totals [lower, T) extended to ``until`` (the same shape ``funnel`` returns)."""
    start = _until(view)
    result = {"region_prefix": region_prefix, "until": until.isoformat(), "since": view["since"],
              "figures": dict(view["figures"])}
    if start < until:
        for key, value in _flow_growth(session, region_prefix=region_prefix, lower=lower, since=start,
                                       until=until).items():
            if key in MONEY:
                total = Decimal(str(result["figures"][key])) + value
                result["figures"][key] = float(total.quantize(Decimal("0.01")))
            else:
                result["figures"][key] += value
    return result


def _flow_growth(session: Session, *, region_prefix: str, lower: dt.datetime, since: dt.datetime,
                 until: dt.datetime) -> dict:
    """What the totals of the window [lower, since) gain when it is extended to ``until``: the rows of
    [since, until), distinct things counted only when no row of [lower, since) had them (a probe per
    row: for the short stretch since a live checkpoint)."""
    from sqlalchemy import String, exists
    from sqlalchemy.orm import aliased

    name = machine().name
    t, t2 = TransitionRow, aliased(TransitionRow)
    d, d2 = Demand, aliased(Demand)
    c, c2 = Contact, aliased(Contact)
    window = [t.machine == name, t.at >= since, t.at < until, t.region_code.startswith(region_prefix)]
    # A probe finds the thing's own rows by (machine, entity_id); the state and the time are compared in
    # a form no index serves, so SQLite, without statistics, does not walk (machine, to_state, at).
    probe_at = func.coalesce(t2.at, t2.at)
    before = [t2.machine == name, probe_at >= lower, probe_at < since, t2.region_code.startswith(region_prefix)]
    entity = cast(t.entity_id, Integer)

    def entered_before(state):
        return exists().where(*before, t2.entity_id == t.entity_id, t2.to_state.concat("") == state)

    figures: dict = {}
    rows = dict(session.execute(select(t.to_state, func.count()).where(
        *window, t.to_state.in_(("resolved", "reopened"))).group_by(t.to_state)).all())
    figures["demands_resolved"] = rows.get("resolved", 0) - rows.get("reopened", 0)
    figures["demands_collected"] = session.scalar(select(func.count()).where(
        *window, t.to_state == "collected", t.action == "create")) or 0
    new = dict(session.execute(select(t.to_state, func.count(func.distinct(t.entity_id))).where(
        *window, t.to_state.in_(tuple(ADDED_BY_ENTERING)), ~entered_before(t.to_state)).group_by(t.to_state)).all())
    for state, key in ADDED_BY_ENTERING.items():
        figures[key] = new.get(state, 0)
    contact_at = func.coalesce(c2.at, c2.at)
    figures["firms_contacted"] = session.scalar(select(func.count(func.distinct(c.enterprise_id))).where(
        c.at >= since, c.at < until, c.region_code.startswith(region_prefix), ~exists().where(
            contact_at >= lower, contact_at < since, c2.region_code.startswith(region_prefix),
            c2.enterprise_id == c.enterprise_id))) or 0
    firm_valid_before = exists().where(d2.enterprise_id == d.enterprise_id, exists().where(
        *before, t2.entity_id == cast(d2.id, String), t2.to_state.concat("") == "valid"))
    figures["firms_valid"] = session.scalar(select(func.count(func.distinct(d.enterprise_id))).join(t, d.id == entity)
                                            .where(*window, t.to_state == "valid", ~firm_valid_before)) or 0
    requested = session.scalar(select(func.coalesce(func.sum(Demand.amount_yuan), 0)).where(Demand.id.in_(
        select(entity).where(*window, t.to_state == "dispatched", ~entered_before("dispatched")))))
    figures["amount_requested_yuan"] = Decimal(str(requested or 0))
    figures.update(_money_growth(session, window=window, since=since, until=until, region_prefix=region_prefix,
                                 lower=lower))
    return figures


def data_stamp(session: Session) -> tuple:
    """What the funnels depend on: the newest transition row (of any workflow: max of the primary key
    is one index step, a filter by machine would scan) and the newest contact-log row. A cache keyed
    by it is exact: any new row changes it."""
    return (session.scalar(select(func.max(TransitionRow.id))), session.scalar(select(func.max(Contact.id))))


def _money(session: Session, *, window, entity, until, since, region_prefix) -> dict:
    t = TransitionRow
    dispatched = (select(t.entity_id).where(*window, t.to_state == "dispatched").distinct().subquery())
    requested = session.scalar(select(func.coalesce(func.sum(Demand.amount_yuan), 0))
                               .where(Demand.id.in_(select(cast(dispatched.c.entity_id, Integer)))))
    # The latest resolution of each demand inside the window, unless a reopen followed it (a reopen
    # always follows a resolution, so it is inside the window too): the newest of each demand's
    # "resolved" and "reopened" rows, when it is a resolution. The grouping reads the covering index
    # (machine, to_state, at, region_code, entity_id); only those rows are then read for their amounts
    # (a correlated "reopened after?" probe per resolution took 5 s at 100,000 demands).
    # Grouped by ``entity_id || ''``: grouped by the bare column, SQLite walks the (machine, entity_id)
    # index for its order — every row of the machine (290 ms for a day's window at 100,000 demands,
    # against 33 ms reading the window's rows by state and time).
    latest = (select(func.max(t.id).label("id")).where(*window, t.to_state.in_(("resolved", "reopened")))
              .group_by(t.entity_id.concat("")).subquery())
    out = {"amount_requested_yuan": Decimal(str(requested or 0))}
    values = {key: t.data[key].as_string() for key in MONEY[1:]}
    totals = session.execute(select(*(func.coalesce(func.sum(cast(value, Numeric(16, 2))), 0)
                                      for value in values.values()))
                             .join(latest, latest.c.id == t.id).where(t.action == "resolve")).one()
    for key, total in zip(values, totals):
        out[key] = Decimal(str(total or 0))
    return {k: float(v.quantize(Decimal("0.01"))) for k, v in out.items()}


def round_funnel(session: Session, principal: Principal, *, round_id: int, region_prefix: str | None = None,
                 frozen: bool = True, now: dt.datetime | None = None) -> dict:
    """A round's funnel: cumulative as of the round's end, and the flow inside the round — the frozen
    view when there is one still exact (``frozen=False``: always computed)."""
    row = get_round(session, principal, round_id=round_id)
    prefix = region_prefix or max(row.region_prefix, principal.region_prefix, key=len)
    _require_reader(principal, prefix)
    if frozen:
        view = frozen_view(session, row, prefix)
        if view is not None:
            return view
    return _compute_round(session, principal, row, prefix, now=now)


def _compute_round(session: Session, principal: Principal, row: Round, prefix: str, *, from_rows: bool = False,
                   now: dt.datetime | None = None) -> dict:
    until, since = _aware(row.ends_at), _aware(row.starts_at)
    cumulative = funnel(session, principal, region_prefix=prefix, until=until, from_rows=from_rows, now=now)
    flow = funnel(session, principal, region_prefix=prefix, until=until, since=since, by_unit=False,
                  from_rows=from_rows, now=now)
    return {"round": round_view(row), **cumulative, "round_flow": flow["figures"]}


# --- frozen rounds --------------------------------------------------------------------------------------

FREEZE_AFTER = dt.timedelta(hours=1)  # a transaction begun before midnight has committed by then
RECHECK_HOUR = dt.time(20, 0)         # and the next evening, for late corrections (a new version if any)


def json_safe(view: dict) -> dict:
    """The view as it reads back from a JSON column (what a frozen view is compared with)."""
    import json

    return json.loads(json.dumps(view, default=str))


def _kind(row: Round, prefix: str) -> str:
    return f"desk.funnel:{prefix}:{row.id}"


def _report_day(row: Round) -> dt.date:
    return (_aware(row.ends_at).astimezone(TZ) - dt.timedelta(days=1)).date()


def _stamp(session: Session) -> dict:
    """The newest desk transition and contact-log ids: every row a funnel can count has an id ≤ these."""
    return {"transition": session.scalar(select(func.coalesce(func.max(TransitionRow.id), 0))
                                         .where(TransitionRow.machine == machine().name)),
            "contact": session.scalar(select(func.coalesce(func.max(Contact.id), 0)))}


def _earliest_since(session: Session, stamp: dict) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The earliest time among desk transition rows and contact-log rows written after the stamp.
    The only condition the database may use is the primary key range (the machine is tested inside
    the aggregate), so the probe reads just the rows written since — never the rows of the rounds."""
    t = TransitionRow
    first_row = session.scalar(select(func.min(case((t.machine == machine().name, t.at))))
                               .where(t.id > stamp["transition"]))
    # min(coalesce(at)): with min(at) SQLite walks the time index looking for an id above the stamp
    # (all of it when there is none)
    first_contact = session.scalar(select(func.min(func.coalesce(Contact.at, Contact.at)))
                                   .where(Contact.id > stamp["contact"]))
    return (_aware(first_row) if first_row else None, _aware(first_contact) if first_contact else None)


def _still_exact(earliest: tuple, until: dt.datetime) -> bool:
    return all(when is None or when >= until for when in earliest)


def frozen_views(session: Session, rows: list[Round], prefix: str) -> dict[int, dict]:
    """{round id: frozen funnel} of the rounds frozen for this prefix whose view is still exact: no row
    written after its freeze falls before the round's end. One probe from the oldest stamp answers for
    every round when nothing late was written (the usual case); otherwise each round is probed alone."""
    found = {}
    for row in rows:
        report = reports.latest(session, kind=_kind(row, prefix), day=_report_day(row))
        if report is not None and report.rows:
            found[row.id] = (row, report.rows[0])
    if not found:
        return {}
    oldest = {key: min(frozen["stamp"][key] for _, frozen in found.values()) for key in ("transition", "contact")}
    earliest = _earliest_since(session, oldest)
    out = {}
    for round_id, (row, frozen) in found.items():
        until = _aware(row.ends_at)
        if _still_exact(earliest, until) or _still_exact(_earliest_since(session, frozen["stamp"]), until):
            out[round_id] = frozen["view"]
    return out


def frozen_view(session: Session, row: Round, prefix: str) -> dict | None:
    """The round's frozen funnel if one exists and is still exact, else None."""
    return frozen_views(session, [row], prefix).get(row.id)


def freeze_round(session: Session, *, round_id: int, region_prefix: str | None = None,
                 actor: str = "system:scheduler", at: dt.datetime | None = None) -> tuple[int, bool] | None:
    """Freeze a closed round's funnel (for its own region prefix unless told another): a new report
    version when the rows differ from the latest one (a late correction), none when they are the same.
    Returns (version, created), or None for a round not yet closed (plus ``FREEZE_AFTER``)."""
    row = session.get(Round, round_id)
    if row is None:
        raise LookupError(f"no round {round_id}")
    now = at or dt.datetime.now(dt.timezone.utc)
    if _aware(row.ends_at) + FREEZE_AFTER > now:
        return None
    prefix = region_prefix or row.region_prefix
    system = Principal(user_id=actor, role="system")
    stamp = _stamp(session)  # read first: a row committed meanwhile has a larger id and is found stale
    view = _compute_round(session, system, row, prefix, from_rows=True)  # what is stored counts every row
    latest = reports.latest(session, kind=_kind(row, prefix), day=_report_day(row))
    if latest is not None and latest.rows and latest.rows[0]["view"] == json_safe(view):
        return latest.version, False  # unchanged: keep the older stamp (a newer one would only add a version)
    report, created = reports.freeze(session, kind=_kind(row, prefix), day=_report_day(row), columns=["stamp", "view"],
                                     rows=[{"stamp": stamp, "view": view}], actor=actor,
                                     reason=f"round {row.number} closed at {_aware(row.ends_at).isoformat()}", at=now)
    return report.version, created


def schedule_freezes(session: Session, row: Round, *, at: dt.datetime | None = None) -> None:
    """Jobs freezing the round: an hour after it ends, and at 20:00 the next day (late corrections).
    Idempotent (keyed by the round)."""
    ends = _aware(row.ends_at)
    recheck = dt.datetime.combine(ends.astimezone(TZ).date() + dt.timedelta(days=1), RECHECK_HOUR, tzinfo=TZ)
    for tag, due in (("first", ends + FREEZE_AFTER), ("recheck", recheck)):
        jobs.schedule(session, kind="desk.freeze_round", key=f"desk.freeze_round:{row.id}:{tag}",
                      due_at=max(due, ends + FREEZE_AFTER), payload={"round": row.id}, at=at)


def round_view(row: Round) -> dict:
    ends = _aware(row.ends_at)
    return {"id": row.id, "number": row.number, "label": row.label, "region_prefix": row.region_prefix,
            "starts_at": _aware(row.starts_at).isoformat(), "ends_at": ends.isoformat(),
            "report_day": (ends.astimezone(TZ) - dt.timedelta(days=1)).date().isoformat()}


def series(session: Session, principal: Principal, *, region_prefix: str, now: dt.datetime | None = None) -> list[dict]:
    """Every round of the region with its own flow and the running totals: the frozen rounds' views,
    then ONE grouped query over the transition rows after the last of them (each row falls in the
    round whose window holds its time; rows before the first round counted here add to the totals
    they start from). Flow: demands collected, entering valid / dispatched,
    resolved (resolutions minus reopenings), invalid, merged. Running totals of the additive figures
    (collected, resolved, invalid, merged) are exact prefix sums; the distinct-firm figures of a round
    are in ``round_funnel``. When no row is yet at or after the end of the first round not frozen (an
    open round), its row is the round's own flow and totals, from live checkpoints, and the rounds
    after it have none of their own."""
    rows = sorted(rounds_of(session, principal, region_prefix=region_prefix), key=lambda r: r.starts_at)
    if not rows:
        return []
    frozen = frozen_views(session, rows, region_prefix)
    # The leading rounds frozen and exact are read from their views; the rest (an open round, a round
    # not yet frozen or made stale by a late row) from the rows after the last of them, whose running
    # totals start from its own.
    leading = 0
    while leading < len(rows) and rows[leading].id in frozen:
        leading += 1
    out = [_series_entry(frozen[row.id]) for row in rows[:leading]]
    if leading == len(rows):  # every round closed and frozen: the table is theirs
        return out
    rest = rows[leading:]
    newest = [session.scalar(select(func.max(TransitionRow.at)).where(TransitionRow.machine == machine().name)),
              session.scalar(select(func.max(Contact.at)))]
    if all(when is None or _aware(when) < _aware(rest[0].ends_at) for when in newest):
        # The usual case: an open round, then rounds not begun (no row yet at or after the open round's
        # end). The open round's flow and totals move on from live checkpoints; the later rounds have
        # no flow and the same totals.
        row = rest[0]
        flow = _flow(session, region_prefix=region_prefix, since=_aware(row.starts_at), until=_aware(row.ends_at),
                     now=now)["figures"]
        totals = _cumulative(session, region_prefix=region_prefix, until=_aware(row.ends_at), by_unit=True,
                             now=now)["figures"]  # by unit: the page's round funnel asked the same
        cumulative = {k: totals[k] for k in SERIES_TOTALS}
        return out + [{"round": round_view(row), "flow": {k: flow[k] for k in SERIES_FLOW}, "cumulative": cumulative}] \
            + [{"round": round_view(later), "flow": dict.fromkeys(SERIES_FLOW, 0), "cumulative": dict(cumulative)}
               for later in rest[1:]]
    t = TransitionRow
    bucket = case(*[((t.at >= _aware(r.starts_at)) & (t.at < _aware(r.ends_at)), r.number) for r in rest], else_=0)
    counted = ("collected", "valid", "dispatched", "resolved", "reopened", "invalid", "merged")
    window = [t.machine == machine().name, t.region_code.startswith(region_prefix),
              t.at < max(_aware(r.ends_at) for r in rest), t.to_state.in_(counted)]
    if out:
        window.append(t.at >= _aware(rows[leading - 1].ends_at))
    found: dict[int, dict[str, tuple[int, int]]] = {}
    for number, state, distinct, count in session.execute(
            select(bucket.label("n"), t.to_state, func.count(func.distinct(t.entity_id)), func.count())
            .where(*window).group_by(bucket, t.to_state)):
        found.setdefault(number, {})[state] = (distinct, count)
    totals = dict(out[-1]["cumulative"]) if out else dict.fromkeys(SERIES_TOTALS, 0)

    def add(number: int) -> dict:
        got = found.get(number, {})
        flow = {"demands_collected": got.get("collected", (0, 0))[1], "demands_valid": got.get("valid", (0, 0))[0],
                "demands_dispatched": got.get("dispatched", (0, 0))[0],
                "demands_resolved": got.get("resolved", (0, 0))[1] - got.get("reopened", (0, 0))[1],
                "demands_invalid": got.get("invalid", (0, 0))[0], "demands_merged": got.get("merged", (0, 0))[0]}
        for key in totals:
            totals[key] += flow[key]
        return flow

    add(0)  # before the first round computed here
    for row in rest:
        flow = add(row.number)
        out.append({"round": round_view(row), "flow": flow, "cumulative": dict(totals)})
    return out


SERIES_FLOW = ("demands_collected", "demands_valid", "demands_dispatched", "demands_resolved", "demands_invalid",
               "demands_merged")
SERIES_TOTALS = ("demands_collected", "demands_resolved", "demands_invalid", "demands_merged")


def _series_entry(view: dict) -> dict:
    """A row of the per-round table from a round's funnel: its own flow and the running totals (the
    additive figures as of its end are the running totals of the grouped query)."""
    return {"round": view["round"], "flow": {k: view["round_flow"][k] for k in SERIES_FLOW},
            "cumulative": {k: view["figures"][k] for k in SERIES_TOTALS}}
