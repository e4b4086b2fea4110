"""Moving a workflow entity through its state machine: checked, recorded, audited, race-safe.

An entity is any ORM row with three columns (add ``WorkflowState`` to the model)::

    state             the current state key
    state_version     bumped by every transition (optimistic concurrency)
    state_changed_at  when it entered the current state (queues sort by age on it)

``apply`` checks the machine (state × action × role, a reason where required, the guards the
transition names), then changes the row with ``UPDATE … WHERE state_version = <read>`` so that of two
writers acting on the same entity at once exactly one succeeds and the other gets
``ConcurrentChange`` (nothing written). In the same transaction it writes the transition row and
an audit entry; whatever else the caller adds to the session (outbox messages, jobs) commits with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import DateTime, Integer, String, and_, func, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from fugong.access import Principal
from fugong.store.audit import record_change
from fugong.workflow.machine import Machine, MachineError, Transition, TransitionRefused
from fugong.workflow.models import TransitionRow

Guard = Callable[..., None]  # guard(entity, principal, transition, at=when) raises TransitionRefused to refuse


class ConcurrentChange(RuntimeError):
    """Someone else changed the entity's state since it was read; reload and decide again."""


class WorkflowState:
    """Mixin for a model that moves through a machine (columns: state, state_version, state_changed_at)."""

    state: Mapped[str] = mapped_column(String(40), index=True)
    state_version: Mapped[int] = mapped_column(Integer, default=0)
    state_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def utc(value: dt.datetime | None) -> dt.datetime:
    """An aware time in UTC (now if None). Every stored time goes through this: SQLite keeps the wall
    clock of whatever zone it is given, so a +08:00 time stored as such would compare wrongly."""
    if value is None:
        return _now()
    if value.tzinfo is None:
        raise ValueError("naive datetime: give a time zone")
    return value.astimezone(dt.timezone.utc)


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.timezone.utc)
    return value


def _entity_id(entity) -> str:
    from sqlalchemy import inspect

    identity = inspect(entity).identity
    if identity is None:
        raise ValueError("the entity must be flushed (have its primary key) before it can move")
    return "/".join(str(part) for part in identity)


def start(session: Session, *, machine: Machine, entity, principal: Principal, region_code: str | None,
          reason: str | None = None, data: dict | None = None, at: dt.datetime | None = None) -> TransitionRow:
    """Record the creation of an entity in the machine's initial state (from_state None, action 'create')."""
    at = utc(at)
    entity.state, entity.state_version, entity.state_changed_at = machine.initial, 0, at
    session.flush()
    return _record(session, machine=machine, entity_id=_entity_id(entity), action="create", before=None,
                   after=machine.initial, principal=principal, region_code=region_code, reason=reason, data=data, at=at)


def apply(session: Session, *, machine: Machine, entity, action: str, principal: Principal,
          region_code: str | None, reason: str | None = None, data: dict | None = None,
          guards: dict[str, Guard] | None = None, at: dt.datetime | None = None) -> TransitionRow:
    """Take ``action`` on ``entity`` as ``principal``; returns the transition row (see module docstring).

    Raises TransitionRefused (not allowed, reason missing, a guard refused) or ConcurrentChange.
    """
    transition = machine.transition_for(entity.state, action, principal.role)
    reason = (reason or "").strip() or None
    if transition.reason_required and not reason:
        raise TransitionRefused("此操作须填写理由", f"{action!r} needs a reason", code="reason_required")
    at = utc(at)
    for name in transition.guards:
        guard = (guards or {}).get(name)
        if guard is None:
            raise MachineError(f"{machine.source}: guard {name!r} of {action!r} has no implementation")
        guard(entity, principal, transition, at=at)  # the time of the decision (a back-dated one is judged then)
    before, version = entity.state, entity.state_version
    model = type(entity)
    from sqlalchemy import inspect

    mapper = inspect(model)
    keys = [getattr(model, column.key) == getattr(entity, column.key) for column in mapper.primary_key]
    result = session.execute(
        update(model).where(and_(*keys, model.state_version == version))
        .values(state=transition.to, state_version=version + 1, state_changed_at=at)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ConcurrentChange(f"{machine.name} {_entity_id(entity)} changed while {principal.actor} was deciding; reload")
    from sqlalchemy.orm.attributes import set_committed_value

    for key, value in (("state", transition.to), ("state_version", version + 1), ("state_changed_at", at)):
        set_committed_value(entity, key, value)
    return _record(session, machine=machine, entity_id=_entity_id(entity), action=action, before=before,
                   after=transition.to, principal=principal, region_code=region_code, reason=reason, data=data, at=at)


def _record(session: Session, *, machine: Machine, entity_id: str, action: str, before: str | None, after: str,
            principal: Principal, region_code: str | None, reason: str | None, data: dict | None,
            at: dt.datetime) -> TransitionRow:
    move = Move(entity_id=entity_id, action=action, before=before, after=after, principal=principal,
                region_code=region_code, reason=reason, data=data, at=at)
    row = TransitionRow(**move.row(machine))
    session.add(row)
    record_change(session, **move.audit(machine))
    session.flush()
    return row


@dataclass(frozen=True)
class Move:
    """One transition of an entity, as recorded: a transition row and an audit entry."""

    entity_id: str
    action: str
    before: str | None
    after: str
    principal: Principal
    region_code: str | None
    reason: str | None
    data: dict | None
    at: dt.datetime

    def row(self, machine: Machine) -> dict:
        return dict(machine=machine.name, machine_version=machine.version, entity_id=self.entity_id,
                    action=self.action, from_state=self.before, to_state=self.after, actor=self.principal.actor,
                    role=self.principal.role, at=self.at, reason=self.reason, region_code=self.region_code,
                    data=self.data)

    def audit(self, machine: Machine) -> dict:
        return dict(actor=self.principal.actor, action=f"{machine.name}.{self.action}", entity=machine.name,
                    entity_id=self.entity_id, region_code=self.region_code,
                    before={"state": self.before} if self.before else None,
                    after={"state": self.after, **({"data": self.data} if self.data else {})}, reason=self.reason)


def record_moves(session: Session, *, machine: Machine, moves: list[Move]) -> list[int]:
    """The rows of many transitions already decided (a batch of new entities written in bulk, their
    final state in their own rows): the transition rows and their audit entries, two statements.
    Returns the transition ids in the order of ``moves``."""
    from fugong.store.audit import record_changes
    from fugong.workflow.sql import insert_many

    if not moves:
        return []
    ids = insert_many(session, TransitionRow, [move.row(machine) for move in moves], ids=True)
    record_changes(session, [move.audit(machine) for move in moves])
    return ids


# --- reading the rows -------------------------------------------------------------------------------

def timeline(session: Session, *, machine: Machine, entity_id: str) -> list[dict]:
    """Every transition of one entity, oldest first, with state names in zh and en and time spent."""
    # Sorted here, not by ORDER BY: with an ORDER BY on (at, id) SQLite's planner may walk the
    # (machine, at) index over every row of the machine instead of the (machine, entity_id) lookup.
    rows = sorted(session.scalars(select(TransitionRow).where(TransitionRow.machine == machine.name,
                                                              TransitionRow.entity_id == entity_id)),
                  key=lambda row: (_aware(row.at), row.id))
    out = []
    for n, row in enumerate(rows):
        state = machine.states.get(row.to_state)
        until = _aware(rows[n + 1].at) if n + 1 < len(rows) else None
        out.append({"id": row.id, "action": row.action, "from": row.from_state, "to": row.to_state,
                    "to_zh": state.zh if state else row.to_state, "to_en": state.en if state else row.to_state,
                    "actor": row.actor, "role": row.role, "at": _aware(row.at).isoformat(), "reason": row.reason,
                    "data": row.data,
                    "seconds_in_state": (until - _aware(row.at)).total_seconds() if until else None})
    return out


def latest_states(session: Session, *, machine: str, until: dt.datetime, entity_ids: Iterable[str] | None = None):
    """A subquery (entity_id, state, region_code) of every entity's state as of ``until`` (inclusive):
    the last transition at or before it. The daily reports count over it."""
    rank = func.row_number().over(partition_by=TransitionRow.entity_id,
                                  order_by=(TransitionRow.at.desc(), TransitionRow.id.desc()))
    stmt = (select(TransitionRow.entity_id, TransitionRow.to_state.label("state"), TransitionRow.region_code,
                   rank.label("n"))
            .where(TransitionRow.machine == machine, TransitionRow.at <= until))
    if entity_ids is not None:
        stmt = stmt.where(TransitionRow.entity_id.in_(list(entity_ids)))
    ranked = stmt.subquery()
    return select(ranked.c.entity_id, ranked.c.state, ranked.c.region_code).where(ranked.c.n == 1).subquery()


def funnel(session: Session, *, machine: Machine, region_prefix: str = "", since: dt.datetime | None = None,
           until: dt.datetime | None = None) -> list[dict]:
    """Per state: how many distinct entities entered it in the window (the funnel), in machine order."""
    stmt = (select(TransitionRow.to_state, func.count(func.distinct(TransitionRow.entity_id)))
            .where(TransitionRow.machine == machine.name, TransitionRow.region_code.startswith(region_prefix)))
    if since is not None:
        stmt = stmt.where(TransitionRow.at >= since)
    if until is not None:
        stmt = stmt.where(TransitionRow.at <= until)
    counts = dict(session.execute(stmt.group_by(TransitionRow.to_state)).all())
    return [{"state": s.key, "zh": s.zh, "en": s.en, "entered": int(counts.get(s.key, 0))} for s in machine.states.values()]
