"""Shared values for the health-code tests (plain module, imported by tests and conftest)."""

from __future__ import annotations

import datetime as dt

from fugong.access import SYSTEM, Principal

DAY0 = dt.date(2020, 2, 11)  # Hangzhou launched its health code on 2020-02-11


def make_id(n: int, region: str = "330106") -> str:
    """A valid GB 11643 ID number: region + birth date + sequence + ISO 7064 check digit."""
    from stdnum.cn import ric

    body = f"{region}19900101{n % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")  # it ignores the last character


def days(start: dt.date, n: int) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range(n)]


OFFICER = Principal(user_id="li", role="officer", region_prefix="3301")
OFFICER_2 = Principal(user_id="wang", role="officer", region_prefix="3301")
NINGBO_OFFICER = Principal(user_id="chen", role="officer", region_prefix="3302")
__all__ = ["DAY0", "OFFICER", "OFFICER_2", "NINGBO_OFFICER", "SYSTEM", "days", "make_id"]


# The enterprises the health-code tests use, and the region each is registered in: the enterprise's
# own region decides who may see it (fugong.enterprises.service.enterprise_region:
# the registry first, else the meter store's table — these are written to the meter store).
TEST_ENTERPRISES = {"E1": "330106", "E-HZ": "330106", "E-2": "330203", "E-NB": "330203", "E-NB2": "330203",
                    "E9": "330203", "E-A": "330106", "E-B": "330106"}


def register_enterprises(settings, regions: dict[str, str] = TEST_ENTERPRISES) -> None:
    """Write the meter store's enterprise table with these enterprises (id -> GB/T 2260 county code)."""
    import pyarrow as pa

    from fugong.index.store import write_enterprises

    settings.ensure_dirs()
    ids = sorted(regions)
    write_enterprises(settings, pa.table({
        "enterprise_id": ids, "region_code": [regions[e] for e in ids],
        "industry_code": ["C"] * len(ids), "size_class": ["small"] * len(ids),
        "name": [f"企业{e}" for e in ids], "uscc": [None] * len(ids)}))
