"""A state machine as data: state × action × role → next state, loaded from TOML.

The file (``fugong/<domain>/machines/<name>.toml`` or any path) looks like::

    name = "resumption-filing"
    version = 1
    title_zh = "复工备案"
    title_en = "Resumption filing"
    initial = "draft"

    [states.draft]
    zh = "草稿"
    en = "Draft"

    [states.approved]
    zh = "已核准"
    en = "Approved"
    terminal = false          # terminal states take no action

    [[transitions]]
    action = "approve"
    from = ["submitted"]
    to = "approved"
    roles = ["officer", "province_admin"]
    reason = "required"       # "required" | "optional" (default)
    guards = ["measures_allow"]   # names the domain registers (checked at the transition)
    zh = "核准"
    en = "Approve"

``Machine.next_state(state, action, role)`` answers the next state or raises ``TransitionRefused``
with the reason in Chinese and English. The machine is checked when loaded: every state named
exists, the initial state exists, no two transitions share (state, action, role) — so the answer
is unique — and every role is one of ``fugong.access.ROLES``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from fugong.access import ROLES


class MachineError(ValueError):
    """A malformed state-machine file; the message names the file and the field."""


class TransitionRefused(PermissionError):
    """This action is not allowed from this state for this role (or a guard said no)."""

    def __init__(self, zh: str, en: str, *, code: str = "refused"):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en, self.code = zh, en, code


@dataclass(frozen=True)
class State:
    key: str
    zh: str
    en: str
    terminal: bool = False


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    to: str
    roles: tuple[str, ...]
    reason_required: bool = False
    guards: tuple[str, ...] = ()
    zh: str = ""
    en: str = ""


@dataclass(frozen=True)
class Machine:
    name: str
    version: int
    title_zh: str
    title_en: str
    initial: str
    states: dict[str, State]
    transitions: tuple[Transition, ...]
    source: str = ""
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def ref(self) -> str:
        """'name@version', stored with every transition row."""
        return f"{self.name}@{self.version}"

    def state(self, key: str) -> State:
        try:
            return self.states[key]
        except KeyError:
            raise MachineError(f"{self.source}: unknown state {key!r}") from None

    def transition_for(self, state: str, action: str, role: str) -> Transition:
        """The one transition for (state, action, role), or TransitionRefused saying why not."""
        found = self._index.get((state, action, role))
        if found is not None:
            return found
        names = {t.action for t in self.transitions}
        here = self.state(state) if state in self.states else State(state, state, state)
        if action not in names:
            raise TransitionRefused(f"未知操作 {action}", f"unknown action {action!r}", code="unknown_action")
        if not any(state in t.sources and t.action == action for t in self.transitions):
            raise TransitionRefused(f"当前状态“{here.zh}”不能执行此操作", f"action {action!r} is not possible in state "
                                    f"{here.en!r}", code="wrong_state")
        raise TransitionRefused("您的角色不能执行此操作", f"role {role!r} may not {action} in state {here.en!r}",
                                code="wrong_role")

    def next_state(self, state: str, action: str, role: str) -> str:
        return self.transition_for(state, action, role).to

    def actions_for(self, state: str, role: str) -> list[Transition]:
        """The transitions a role may take from a state (for buttons on a page)."""
        return [t for t in self.transitions if state in t.sources and role in t.roles]

    def as_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "title_zh": self.title_zh, "title_en": self.title_en,
                "initial": self.initial,
                "states": [{"key": s.key, "zh": s.zh, "en": s.en, "terminal": s.terminal} for s in self.states.values()],
                "transitions": [{"action": t.action, "from": list(t.sources), "to": t.to, "roles": list(t.roles),
                                 "reason_required": t.reason_required, "guards": list(t.guards), "zh": t.zh, "en": t.en}
                                for t in self.transitions]}


def parse_machine(data: dict, *, source: str = "<machine>") -> Machine:
    def need(table: dict, key: str, where: str, kind=str):
        if key not in table:
            raise MachineError(f"{source}: {where}: missing field {key!r}")
        value = table[key]
        if not isinstance(value, kind):
            raise MachineError(f"{source}: {where}.{key}: expected {kind.__name__}, got {type(value).__name__}")
        return value

    name = need(data, "name", "top level")
    version = need(data, "version", "top level", int)
    states_table = need(data, "states", "top level", dict)
    states = {}
    for key, spec in states_table.items():
        if not isinstance(spec, dict):
            raise MachineError(f"{source}: states.{key}: expected a table")
        states[key] = State(key, str(spec.get("zh", key)), str(spec.get("en", key)), bool(spec.get("terminal", False)))
    initial = need(data, "initial", "top level")
    if initial not in states:
        raise MachineError(f"{source}: initial: unknown state {initial!r}")
    transitions = []
    index: dict = {}
    for n, spec in enumerate(data.get("transitions", [])):
        where = f"transitions[{n}]"
        action = need(spec, "action", where)
        sources = spec.get("from")
        if isinstance(sources, str):
            sources = [sources]
        if not isinstance(sources, list) or not sources:
            raise MachineError(f"{source}: {where}.from: a state or a list of states is required")
        to = need(spec, "to", where)
        roles = spec.get("roles")
        if not isinstance(roles, list) or not roles:
            raise MachineError(f"{source}: {where}.roles: a list of roles is required")
        for state in [*sources, to]:
            if state not in states:
                raise MachineError(f"{source}: {where}: unknown state {state!r}")
            if state in sources and states[state].terminal:
                raise MachineError(f"{source}: {where}.from: {state!r} is terminal and takes no action")
        for role in roles:
            if role not in ROLES:
                raise MachineError(f"{source}: {where}.roles: unknown role {role!r} (accepted: {', '.join(ROLES)})")
        reason = spec.get("reason", "optional")
        if reason not in ("required", "optional"):
            raise MachineError(f"{source}: {where}.reason: accepted values are required, optional")
        transition = Transition(action=action, sources=tuple(sources), to=to, roles=tuple(roles),
                                reason_required=reason == "required", guards=tuple(spec.get("guards", ())),
                                zh=str(spec.get("zh", action)), en=str(spec.get("en", action)))
        for state in sources:
            for role in roles:
                if (state, action, role) in index:
                    raise MachineError(f"{source}: {where}: ({state}, {action}, {role}) is already defined; "
                                       "a state, action and role must give one next state")
                index[(state, action, role)] = transition
        transitions.append(transition)
    return Machine(name=name, version=version, title_zh=str(data.get("title_zh", name)),
                   title_en=str(data.get("title_en", name)), initial=initial, states=states,
                   transitions=tuple(transitions), source=source, _index=index)


def load_machine(path: str | Path) -> Machine:
    """A machine from a TOML file (cached per path and modification time)."""
    path = Path(path)
    if not path.exists():
        raise MachineError(f"{path}: state-machine file not found")
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _load(path: str, _mtime: int) -> Machine:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise MachineError(f"{path}: not valid TOML: {exc}") from None
    return parse_machine(data, source=path)
