"""Filing policies as data: who may file when, the checklist, and how a filing is decided.

A policy is a TOML file (presets in ``policies/``, or any path via ``FUGONG_RESUMPTION_POLICY``)::

    name, version, title_zh, title_en, source
    mode = "commitment" | "review"
    [checklist]   prevention_plan, protective_stock_days, staff_green_share, safety_posts_covered
    [pledge]      version, zh, en                       (commitment: the text the enterprise signs)
    [sampling]    rate, risk_staff_weight, risk_area_severity, seed, confirm_after_days, [level_weights]
    [[periods]]   key, zh, en, starts_on, illustrative, classes = [...], flags = [...]
    [[priorities]] key, zh, en and any of: any_class, any_flag, above_scale, size_in, answer, all_answers

Rules:
- **periods** (Wenzhou): an enterprise may file from the first period whose ``classes`` (measures
  vocabulary, ``white_list`` while on a current white list) or ``flags`` it matches; before that
  day the filing is refused with the period and its date. No periods: anyone, any day.
- **priorities** (Shanghai 四优先): criteria in order; a criterion is met when ANY of its tests holds;
  the score is Σ 2^(n−1−i) over met criteria i (criterion 1 outranks all later ones together).
- **sampling** (commitment): p = min(1, rate × level_weight × (1 + risk_staff_weight × share of the
  staff whose origin region is graded at ``risk_area_severity`` or above)); the draw
  u = sha256("seed:filing id") / 2^256 is sampled when u < p — reproducible, so anyone can re-check
  why a firm was (not) chosen.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

PRESETS = resources.files("fugong.resumption") / "policies"
MODES = ("commitment", "review")
CHECKLIST_KEYS = ("prevention_plan", "protective_stock_days", "staff_green_share", "safety_posts_covered")
TESTS = ("any_class", "any_flag", "above_scale", "size_in", "answer", "all_answers")


class PolicyError(ValueError):
    """A malformed policy file; the message names the file and the field."""


class FilingRefused(ValueError):
    """The policy does not let this enterprise file (yet); zh and en say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Period:
    key: str
    zh: str
    en: str
    starts_on: dt.date
    classes: tuple[str, ...]
    flags: tuple[str, ...]
    illustrative: bool


@dataclass(frozen=True)
class Priority:
    key: str
    zh: str
    en: str
    tests: dict

    def met(self, *, classes, flags, above_scale, size_class, answers) -> bool:
        t = self.tests
        return any((
            bool(set(t.get("any_class", ())) & set(classes)),
            bool(set(t.get("any_flag", ())) & set(flags)),
            t.get("above_scale") is True and above_scale is True,
            size_class in t.get("size_in", ()),
            bool(t.get("answer")) and bool(answers.get(t["answer"])),
            bool(t.get("all_answers")) and all(bool(answers.get(a)) for a in t["all_answers"]),
        ))


@dataclass(frozen=True)
class Sampling:
    rate: float = 0.10
    risk_staff_weight: float = 1.0
    risk_area_severity: int = 3
    seed: str = "fugong"
    confirm_after_days: int = 7
    level_weights: dict = field(default_factory=dict)

    def probability(self, *, level: str, risk_staff_share: float) -> float:
        weight = float(self.level_weights.get(level, 1.0))
        return max(0.0, min(1.0, self.rate * weight * (1.0 + self.risk_staff_weight * risk_staff_share)))

    def draw(self, filing_id: str) -> float:
        digest = hashlib.sha256(f"{self.seed}:{filing_id}".encode()).digest()
        return int.from_bytes(digest, "big") / 2 ** 256


@dataclass(frozen=True)
class Policy:
    name: str
    version: int
    title_zh: str
    title_en: str
    source: str
    mode: str
    checklist: dict
    pledge: dict | None
    sampling: Sampling | None
    periods: tuple[Period, ...]
    priorities: tuple[Priority, ...]
    path: str = ""

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"

    def period_for(self, *, classes, flags) -> Period | None:
        """The first period the enterprise belongs to, or None if it matches none."""
        for period in self.periods:
            if set(period.classes) & set(classes) or set(period.flags) & set(flags):
                return period
        return None

    def check_window(self, *, classes, flags, day: dt.date) -> Period | None:
        """Raise FilingRefused if the enterprise may not file on ``day``; returns its period (or None)."""
        if not self.periods:
            return None
        period = self.period_for(classes=classes, flags=flags)
        if period is None:
            raise FilingRefused("本企业不属于任何复工时段", "the enterprise belongs to no resumption period of the policy")
        if day < period.starts_on:
            note_zh = "（示例日期）" if period.illustrative else ""
            note_en = " (illustrative date)" if period.illustrative else ""
            raise FilingRefused(f"本企业属于{period.zh}，{period.starts_on.isoformat()}{note_zh}起方可申报复工",
                                f"the enterprise belongs to {period.en}, which opens on "
                                f"{period.starts_on.isoformat()}{note_en}")
        return period

    def score(self, *, classes, flags, above_scale, size_class, answers) -> tuple[int, list[dict]]:
        n = len(self.priorities)
        met = []
        total = 0
        for i, priority in enumerate(self.priorities):
            ok = priority.met(classes=classes, flags=flags, above_scale=above_scale, size_class=size_class,
                              answers=answers)
            if ok:
                total += 2 ** (n - 1 - i)
            met.append({"key": priority.key, "zh": priority.zh, "en": priority.en, "met": ok})
        return total, met

    def as_dict(self) -> dict:
        return {"name": self.name, "version": self.version, "title_zh": self.title_zh, "title_en": self.title_en,
                "source": self.source, "mode": self.mode, "checklist": self.checklist,
                "pledge": self.pledge, "sampling": self.sampling.__dict__ if self.sampling else None,
                "periods": [{"key": p.key, "zh": p.zh, "en": p.en, "starts_on": p.starts_on.isoformat(),
                             "illustrative": p.illustrative, "classes": list(p.classes), "flags": list(p.flags)}
                            for p in self.periods],
                "priorities": [{"key": p.key, "zh": p.zh, "en": p.en} for p in self.priorities]}


def preset_names() -> list[str]:
    return sorted(p.name.removesuffix(".toml") for p in PRESETS.iterdir() if p.name.endswith(".toml"))


def load_policy(name_or_path: str | Path) -> Policy:
    """A preset by name ('commitment-harbin-2020') or a TOML file (cached per file version)."""
    text = str(name_or_path)
    if text in preset_names():
        path = Path(str(PRESETS / f"{text}.toml"))
    else:
        path = Path(text)
        if not path.exists():
            raise PolicyError(f"{text}: no such policy file or preset (presets: {', '.join(preset_names())})")
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


@lru_cache(maxsize=16)
def _load(path: str, _mtime: int) -> Policy:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: not valid TOML: {exc}") from None
    return parse_policy(data, source=path)


def parse_policy(data: dict, *, source: str = "<policy>") -> Policy:
    from fugong.enterprises.models import FLAGS, SIZE_CLASSES
    from fugong.risk.measures import ENTERPRISE_CLASSES

    def fail(where: str, message: str):
        raise PolicyError(f"{source}: {where}: {message}")

    for key in ("name", "version", "mode"):
        if key not in data:
            fail(key, "missing")
    if data["mode"] not in MODES:
        fail("mode", f"{data['mode']!r}: accepted values are {', '.join(MODES)}")
    checklist = dict(data.get("checklist", {}))
    for key, value in checklist.items():
        if key not in CHECKLIST_KEYS:
            fail(f"checklist.{key}", f"unknown item (accepted: {', '.join(CHECKLIST_KEYS)})")
        if key == "staff_green_share" and not (0 <= float(value) <= 1):
            fail("checklist.staff_green_share", "a share between 0 and 1")
    pledge = data.get("pledge")
    if data["mode"] == "commitment":
        if not pledge or not all(pledge.get(k) for k in ("version", "zh", "en")):
            fail("pledge", "a commitment policy needs a pledge with version, zh and en")
    sampling = None
    if "sampling" in data:
        s = dict(data["sampling"])
        weights = s.pop("level_weights", {})
        unknown = set(s) - set(Sampling.__dataclass_fields__)
        if unknown:
            fail("sampling", f"unknown field(s) {', '.join(sorted(unknown))}")
        sampling = Sampling(level_weights=dict(weights), **s)
        if not (0 <= sampling.rate <= 1):
            fail("sampling.rate", "a share between 0 and 1")
    periods = []
    for n, p in enumerate(data.get("periods", [])):
        where = f"periods[{n}]"
        starts = p.get("starts_on")
        if not isinstance(starts, dt.date):
            fail(f"{where}.starts_on", "a date such as 2020-02-17 is required")
        for cls in p.get("classes", []):
            if cls not in ENTERPRISE_CLASSES:
                fail(f"{where}.classes", f"unknown class {cls!r}")
        for flag in p.get("flags", []):
            if flag not in FLAGS:
                fail(f"{where}.flags", f"unknown flag {flag!r}")
        periods.append(Period(p.get("key", f"p{n + 1}"), p.get("zh", ""), p.get("en", ""), starts,
                              tuple(p.get("classes", [])), tuple(p.get("flags", [])), bool(p.get("illustrative", False))))
    if [p.starts_on for p in periods] != sorted(p.starts_on for p in periods):
        fail("periods", "periods must be in order of their start dates")
    priorities = []
    for n, p in enumerate(data.get("priorities", [])):
        tests = {k: p[k] for k in TESTS if k in p}
        if not tests:
            fail(f"priorities[{n}]", f"needs at least one test ({', '.join(TESTS)})")
        for size in tests.get("size_in", []):
            if size not in SIZE_CLASSES:
                fail(f"priorities[{n}].size_in", f"unknown size {size!r}")
        priorities.append(Priority(p.get("key", f"c{n + 1}"), p.get("zh", ""), p.get("en", ""), tests))
    return Policy(name=data["name"], version=int(data["version"]), title_zh=data.get("title_zh", data["name"]),
                  title_en=data.get("title_en", data["name"]), source=data.get("source", ""), mode=data["mode"],
                  checklist=checklist, pledge=pledge, sampling=sampling, periods=tuple(periods),
                  priorities=tuple(priorities), path=source)
