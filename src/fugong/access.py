"""Who is asking, and the one access rule used everywhere.

A ``Principal`` is the caller of a service: a user with a role, scoped by a GB/T 2260 region-code
prefix (an officer of "3301" sees Hangzhou, not Ningbo) and/or by one enterprise. Services take a
principal and filter with ``can_see_region`` / ``can_see_enterprise`` / ``region_prefix_filter``;
the web layer builds the principal from the session (fugong.accounts).

    Principal(user_id="u1", role="officer", region_prefix="3301")
    Principal(user_id="u2", role="enterprise", enterprise_id="E0000001", region_prefix="330110")
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal[
    "province_admin",  # everything in its region prefix (the root admin has prefix "")
    "officer",  # command-centre officer, scoped to a region prefix
    "department",  # department staff resolving demands, scoped to a region prefix
    "service_officer",  # resident service officer, paired enterprises only
    "enterprise",  # one enterprise's user
    "grid_analyst",  # meter data and aggregates, no personal data
    "gate_staff",  # verify codes only
    "person",  # a member of the public (their own health code)
    "system",  # batch jobs and the CLI
]

ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]


class AccessDenied(PermissionError):
    """The principal's role may not take this action; the web layer answers 403."""


class OutOfScope(AccessDenied):
    """The thing lies outside the principal's region or enterprises; the web layer answers 404, the
    same as for a thing that does not exist, so that scope does not reveal what exists elsewhere."""


@dataclass(frozen=True)
class Principal:
    user_id: str
    role: Role
    region_prefix: str = ""  # "" = the whole country; "33" Zhejiang; "3301" Hangzhou
    enterprise_ids: frozenset[str] = frozenset()  # enterprise users and service officers

    @property
    def actor(self) -> str:
        """How the audit log names this principal: '<role>:<user_id>'."""
        return f"{self.role}:{self.user_id}"

    def can_see_region(self, region_code: str | None) -> bool:
        if region_code is None:
            return self.region_prefix == ""
        return str(region_code).startswith(self.region_prefix)

    def can_see_enterprise(self, enterprise_id: str, region_code: str | None) -> bool:
        if self.role in ("enterprise", "service_officer"):
            return enterprise_id in self.enterprise_ids
        if self.role in ("gate_staff", "person"):
            return False
        return self.can_see_region(region_code)

    def require_region(self, region_code: str | None) -> None:
        if not self.can_see_region(region_code):
            raise OutOfScope(f"{self.actor} may not access region {region_code}")

    def require_enterprise(self, enterprise_id: str, region_code: str | None) -> None:
        if not self.can_see_enterprise(enterprise_id, region_code):
            raise OutOfScope(f"{self.actor} may not access enterprise {enterprise_id}")


SYSTEM = Principal(user_id="cli", role="system")
