"""The desk's configuration: categories, due dates, escalation thresholds (TOML, validated).

``load_desk_config(path=None)`` reads ``config/default.toml`` beside this module, or the file named by
``FUGONG_DESK_CONFIG``; a malformed file raises ``DeskConfigError`` naming the file and the field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DEFAULT = Path(__file__).parent / "config" / "default.toml"
KEY = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class DeskConfigError(ValueError):
    """A malformed desk configuration; the message names the file and the field."""


@dataclass(frozen=True)
class Category:
    key: str
    zh: str
    en: str
    due_workdays: int
    amounts: bool = False
    group: str = ""

    def name(self, lang: str = "zh") -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Escalation:
    remind_before_workdays: int = 1
    head_after_workdays: int = 1
    official_after_workdays: int = 3
    auto_close_after_workdays: int = 5
    closures: tuple[str, ...] = ()


@dataclass(frozen=True)
class DeskConfig:
    categories: dict[str, Category]
    escalation: Escalation
    source: str

    def category(self, key: str) -> Category:
        try:
            return self.categories[key]
        except KeyError:
            raise DeskConfigError(f"unknown category {key!r} (accepted: {', '.join(self.categories)}) "
                                  "未知诉求类别") from None


def parse_desk_config(data: dict, *, source: str) -> DeskConfig:
    from fugong.errors import shown
    from fugong.reference.workdays import CLOSURES

    categories: dict[str, Category] = {}
    specs = data.get("categories", [])
    if not isinstance(specs, list) or not all(isinstance(spec, dict) for spec in specs):
        raise DeskConfigError(f"{source}: categories: [[categories]] tables are required (got {shown(specs)})")
    for n, spec in enumerate(specs):
        where = f"{source}: categories[{n}]"
        key = spec.get("key")
        if not isinstance(key, str) or not KEY.match(key):
            raise DeskConfigError(f"{where}.key: lower-case letters, digits and _ (got {key!r})")
        if key in categories:
            raise DeskConfigError(f"{where}.key: {key!r} appears twice")
        due = spec.get("due_workdays")
        if isinstance(due, bool) or not isinstance(due, int) or not 1 <= due <= 60:
            raise DeskConfigError(f"{where}.due_workdays: a whole number of working days 1–60 (got {due!r})")
        for field, default in (("zh", key), ("en", key), ("group", "")):
            if not isinstance(spec.get(field, default), str):
                raise DeskConfigError(f"{where}.{field}: text is required (got {shown(spec[field])})")
        if not isinstance(spec.get("amounts", False), bool):
            raise DeskConfigError(f"{where}.amounts: true or false (got {shown(spec['amounts'])})")
        categories[key] = Category(key=key, zh=spec.get("zh", key), en=spec.get("en", key), due_workdays=due,
                                   amounts=spec.get("amounts", False), group=spec.get("group", ""))
    if not categories:
        raise DeskConfigError(f"{source}: categories: at least one category is required")
    esc = data.get("escalation", {})
    if not isinstance(esc, dict):
        raise DeskConfigError(f"{source}: escalation: an [escalation] table is required (got {shown(esc)})")
    values = {}
    for field in ("remind_before_workdays", "head_after_workdays", "official_after_workdays",
                  "auto_close_after_workdays"):
        value = esc.get(field, getattr(Escalation, field))
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 60:
            raise DeskConfigError(f"{source}: escalation.{field}: a whole number 0–60 (got {value!r})")
        values[field] = value
    if values["official_after_workdays"] < values["head_after_workdays"]:
        raise DeskConfigError(f"{source}: escalation.official_after_workdays must not come before head_after_workdays")
    closures = esc.get("closures", [])
    if not isinstance(closures, list):
        raise DeskConfigError(f"{source}: escalation.closures: a list of closure names is required (got {shown(closures)})")
    for name in closures:
        if not isinstance(name, str) or name not in CLOSURES:
            raise DeskConfigError(f"{source}: escalation.closures: unknown closure {shown(name)} "
                                  f"(accepted: {', '.join(CLOSURES)})")
    return DeskConfig(categories=categories, escalation=Escalation(**values, closures=tuple(closures)), source=source)


def load_desk_config(path: str | Path | None = None) -> DeskConfig:
    path = Path(path or os.environ.get("FUGONG_DESK_CONFIG") or DEFAULT)
    if not path.exists():
        raise DeskConfigError(f"{path}: desk configuration file not found")
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _load(path: str, _mtime: int) -> DeskConfig:
    from fugong.risk.rules import read_toml  # folders, sizes, encodings, deep nesting: named

    data = read_toml(Path(path), lambda source, key, reason: DeskConfigError(f"{source}: {key}: {reason}"))
    return parse_desk_config(data, source=path)
