"""Seed the risk publications of tests.risk.web_seed and control results for both counties."""

import datetime as dt

from fugong.control.models import ControlResult
from tests.risk.web_seed import HANGZHOU_COUNTY, NINGBO_COUNTY, seed as seed_risk

DAY = dt.date(2020, 2, 19)
MODEL = "zj-precision-control-2020"


def seed(session, flows: dict | None = None) -> None:
    """Risk grades up to 2020-02-19; flow/control values on 02-18 and 02-19 for 余杭区 and 海曙区."""
    seed_risk(session)
    seed_control(session, flows)


def seed_control(session, flows: dict | None = None) -> None:
    """Flow/control values on 02-18 and 02-19 for 余杭区 and 海曙区 (the risk grades seeded elsewhere)."""
    flows = flows or {HANGZHOU_COUNTY: (30.0, 35.5), NINGBO_COUNTY: (70.0, 72.25)}
    for code, (before, today) in flows.items():
        for day, value in ((DAY - dt.timedelta(days=1), before), (DAY, today)):
            session.add(ControlResult(run_id=1, model=MODEL, region_code=code, date=day, index_code="flow",
                                      value=value, present=7, required=6, display=value, carried_from=None))
            session.add(ControlResult(run_id=1, model=MODEL, region_code=code, date=day, index_code="control",
                                      value=80.0, present=5, required=4, display=80.0, carried_from=None))
    session.flush()
