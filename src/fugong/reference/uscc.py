"""Unified social credit code (统一社会信用代码), GB 32100-2015.

Eighteen characters over 0–9 and A–Z without I, O, S, V, Z (31 symbols, values 0–30):

    position  1     registration authority (登记管理部门代码), e.g. 9 = market regulation (工商)
              2     entity type (机构类别代码), e.g. 1 = enterprise under authority 9
              3–8   GB/T 2260 region code of the registering office (登记管理机关行政区划码)
              9–17  organisation code (组织机构代码, GB 11714-1997): 8 body characters + its own check
              18    check character (校验码) over positions 1–17

    e.g. 91350100M000100Y43 = 9 1 | 350100 | M000100Y 4 | 3

Checks (``UsccError.check``), reported in this order: empty (length), whitespace and lower case
(alphabet, with a hint: we never silently strip or upper-case, the caller's data is wrong and should
be fixed at its source), then
  "length"             exactly 18 characters;
  "alphabet"           no I/O/S/V/Z or other characters outside the alphabet, digits at 3–8;
  "organisation_code"  GB 11714 check at position 17: weights 3,7,9,10,5,8,4,2 over positions 9–16
                       (digits 0–9, letters A=10 … Z=35), C = 11 − (Σ mod 11), 10 → 'X', 11 → '0';
  "check_character"    GB 32100 check at position 18: weights 3^i mod 31 for i = 0…16, C = 31 − (Σ mod 31),
                       31 → 0, written back in the 31-symbol alphabet.
"""

from __future__ import annotations

__all__ = [
    "ALPHABET",
    "UsccError",
    "check_character",
    "is_valid",
    "organisation_check_character",
    "organisation_code",
    "region_code",
    "validate",
]

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # GB 32100-2015 table 1: no I, O, S, V, Z
FORBIDDEN_LETTERS = "IOSVZ"
LENGTH = 18
# 3^i mod 31, i = 0..16 (GB 32100-2015, 4.3)
WEIGHTS = [pow(3, i, 31) for i in range(17)]  # [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORGANISATION_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]  # GB 11714-1997


class UsccError(ValueError):
    """An invalid code; ``check`` is "length", "alphabet", "organisation_code" or "check_character"."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check


def check_character(first17: str) -> str:
    """The GB 32100 check character (position 18) for the first 17 characters."""
    if len(first17) != LENGTH - 1 or any(c not in ALPHABET for c in first17):
        raise UsccError(
            "alphabet" if len(first17) == LENGTH - 1 else "length",
            f"需要17位代码字符 check_character needs 17 characters of {ALPHABET}, got {first17!r}",
        )
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    """The GB 11714 check character for the 8 body characters of an organisation code."""
    if len(body8) != 8 or any(not (c.isascii() and (c.isdigit() or c.isupper())) for c in body8):
        raise UsccError("alphabet", f"组织机构代码本体应为8位数字或大写字母 organisation code body must be 8 of 0-9/A-Z, got {body8!r}")
    total = sum(int(c, 36) * w for c, w in zip(body8, ORGANISATION_WEIGHTS))  # int('A', 36) == 10
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


def validate(code: str) -> None:
    """Raise UsccError naming the failed check if ``code`` is not a valid unified social credit code."""
    if not isinstance(code, str):
        raise UsccError("alphabet", f"代码应为字符串 code must be a string, got {type(code).__name__}")
    if code == "":
        raise UsccError("length", "代码为空 empty code: a unified social credit code has 18 characters")
    _check_spaces_and_case(code)
    if len(code) != LENGTH:
        raise UsccError("length", f"长度应为18位，实为{len(code)}位 must be 18 characters, found {len(code)}: {code!r}")
    for position, char in enumerate(code, start=1):
        if char in FORBIDDEN_LETTERS:
            raise UsccError(
                "alphabet",
                f"第{position}位字符 '{char}' 不允许 position {position}: letter '{char}' is not used in the code "
                f"(GB 32100-2015 excludes I, O, S, V and Z)",
            )
        if char not in ALPHABET:
            raise UsccError(
                "alphabet",
                f"第{position}位字符 {char!r} 不允许 position {position}: {char!r} is not in the code alphabet "
                f"(0-9 and A-Z without I, O, S, V, Z)",
            )
    region = code[2:8]
    if not region.isdigit():
        raise UsccError(
            "alphabet",
            f"第3–8位应为行政区划代码（数字） positions 3–8 must be a GB/T 2260 region code (digits), found {region!r}",
        )
    organisation = code[8:17]
    expected = organisation_check_character(organisation[:8])
    if organisation[8] != expected:
        raise UsccError(
            "organisation_code",
            f"第17位组织机构代码校验码应为 '{expected}'，实为 '{organisation[8]}' position 17: expected organisation-code "
            f"check character '{expected}' for {organisation[:8]} (GB 11714), found '{organisation[8]}'",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise UsccError(
            "check_character",
            f"第18位校验码应为 '{expected}'，实为 '{code[17]}' position 18: expected check character '{expected}', "
            f"found '{code[17]}'",
        )


def _check_spaces_and_case(code: str) -> None:
    spaces = [i for i, c in enumerate(code, start=1) if c.isspace()]
    if spaces:
        compact = "".join(c for c in code if not c.isspace())
        raise UsccError(
            "alphabet",
            f"含有空格（第{', '.join(map(str, spaces))}位） contains whitespace at position(s) "
            f"{', '.join(map(str, spaces))}; hint: remove it at the source ({compact!r}, {len(compact)} characters)",
        )
    lower = [i for i, c in enumerate(code, start=1) if c.islower()]
    if lower:
        raise UsccError(
            "alphabet",
            f"含有小写字母（第{', '.join(map(str, lower))}位） lower-case letter(s) at position(s) "
            f"{', '.join(map(str, lower))}; hint: the code is upper case ({code.upper()!r})",
        )


def is_valid(code: str) -> bool:
    """True if ``code`` passes every check of ``validate``."""
    try:
        validate(code)
    except UsccError:
        return False
    return True


def region_code(code: str) -> str:
    """The GB/T 2260 region code of the registering office (positions 3–8) of a valid code."""
    validate(code)
    return code[2:8]


def organisation_code(code: str) -> str:
    """The 9-character GB 11714 organisation code (positions 9–17) of a valid code."""
    validate(code)
    return code[8:17]
