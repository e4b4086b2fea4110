"""A small desk world for tests: two counties, enterprises, units, members, a grid area, routing rules."""

from __future__ import annotations

import datetime as dt

from fugong.access import Principal
from fugong.desk import routing, service
from fugong.enterprises import service as registry
from tests.enterprises.helpers import firm

SYSTEM = Principal(user_id="test", role="system")
TRIAGE = Principal(user_id="wh-fgw", role="officer", region_prefix="3402")          # 发改委 of Wuhu
CONTACT = Principal(user_id="wh-rsj-1", role="officer", region_prefix="340203")     # contact unit member
FINANCE = Principal(user_id="wh-jrb-1", role="department", region_prefix="3402")     # 金融办 staff
FINANCE_HEAD = Principal(user_id="wh-jrb-head", role="department", region_prefix="3402")
TRANSPORT = Principal(user_id="wh-jtj-1", role="department", region_prefix="3402")   # 交通局 staff
OFFICIAL = Principal(user_id="wh-leader-1", role="service_officer", region_prefix="340203")
HZ_OFFICER = Principal(user_id="hz-officer", role="officer", region_prefix="3301")
WUHU = "340203"
HANGZHOU = "330110"


def at(day: str, hour: int = 10) -> dt.datetime:
    """A time on a day in Shanghai time, as UTC."""
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=service.TZ).astimezone(dt.timezone.utc)


def firm_user(enterprise_id: str, region: str = WUHU) -> Principal:
    return Principal(user_id=f"u-{enterprise_id}", role="enterprise", region_prefix=region,
                     enterprise_ids=frozenset({enterprise_id}))


def build_world(session, *, firms: int = 4) -> list[str]:
    """Enterprises E-WH-1..n in 弋江区 and E-HZ-1 in 余杭区; units, members, a grid area, routing v1."""
    ids = []
    for n in range(1, firms + 1):
        registry.register_enterprise(session, SYSTEM, **firm(f"E-WH-{n}", WUHU, serial=1000 + n))
        ids.append(f"E-WH-{n}")
    registry.register_enterprise(session, SYSTEM, **firm("E-HZ-1", HANGZHOU, serial=9001))
    service.add_unit(session, SYSTEM, code="WH-FGW", name_zh="发改委", name_en="Development and reform office",
                     region_code=WUHU, kinds=["triage"])
    service.add_unit(session, SYSTEM, code="WH-RSJ", name_zh="人社局", name_en="Human resources bureau",
                     region_code=WUHU, kinds=["contact", "department"])
    service.add_unit(session, SYSTEM, code="WH-JRB", name_zh="金融办", name_en="Finance office",
                     region_code=WUHU, kinds=["department"])
    service.add_unit(session, SYSTEM, code="WH-JTJ", name_zh="交通局", name_en="Transport bureau",
                     region_code=WUHU, kinds=["department"])
    service.add_unit(session, SYSTEM, code="HZ-JXJ", name_zh="余杭区经信局", name_en="Yuhang economy bureau",
                     region_code=HANGZHOU, kinds=["department", "triage", "contact"])
    service.add_member(session, SYSTEM, username=TRIAGE.user_id, unit_code="WH-FGW")
    service.add_member(session, SYSTEM, username=CONTACT.user_id, unit_code="WH-RSJ")
    service.add_member(session, SYSTEM, username=FINANCE.user_id, unit_code="WH-JRB")
    service.add_member(session, SYSTEM, username=FINANCE_HEAD.user_id, unit_code="WH-JRB", head=True)
    service.add_member(session, SYSTEM, username=TRANSPORT.user_id, unit_code="WH-JTJ")
    service.add_member(session, SYSTEM, username=HZ_OFFICER.user_id, unit_code="HZ-JXJ")
    service.add_grid_area(session, SYSTEM, code="WH-G1", name="第一网格", unit_code="WH-RSJ", region_code=WUHU)
    service.assign_to_area(session, SYSTEM, area_code="WH-G1", enterprise_ids=ids)
    routing.publish(session, SYSTEM, reason="first rules", rules=[
        {"category": "funding", "region_prefix": "3402", "department": "WH-JRB"},
        {"category": "logistics", "region_prefix": WUHU, "department": "WH-JTJ"},
        {"category": "*", "region_prefix": WUHU, "department": "WH-RSJ"},
        {"category": "*", "region_prefix": HANGZHOU, "department": "HZ-JXJ"},
    ])
    session.flush()
    return ids
