"""Helpers for registry tests: valid USCCs, principals, a registered enterprise."""

from __future__ import annotations

from fugong.access import Principal
from fugong.reference.uscc import check_character, organisation_check_character

SYSTEM = Principal(user_id="test", role="system")
HANGZHOU = Principal(user_id="hz", role="officer", region_prefix="3301")
NINGBO = Principal(user_id="nb", role="officer", region_prefix="3302")


def make_uscc(serial: int, region: str = "330110") -> str:
    """A valid GB 32100 code: 9 1 | region | 8-digit body + GB 11714 check | GB 32100 check."""
    body = f"{serial:08d}"
    first17 = "91" + region + body + organisation_check_character(body)
    return first17 + check_character(first17)


def firm(enterprise_id: str, region: str = "330110", serial: int | None = None, **extra) -> dict:
    return {"enterprise_id": enterprise_id, "name": f"企业{enterprise_id}", "region_code": region,
            "uscc": make_uscc(serial if serial is not None else abs(hash(enterprise_id)) % 10**8, region), **extra}


def enterprise_user(enterprise_id: str, region: str = "330110") -> Principal:
    return Principal(user_id=f"u-{enterprise_id}", role="enterprise", region_prefix=region,
                     enterprise_ids=frozenset({enterprise_id}))
