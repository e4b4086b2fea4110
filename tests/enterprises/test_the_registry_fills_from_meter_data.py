"""Firms known only from meter data enter the registry in one bulk step (source ``meter``); existing
registry rows are never changed, USCCs stay unique, and a second run adds nothing."""

import datetime as dt

import pyarrow as pa

from fugong.config import load_settings
from fugong.enterprises.importer import sync_from_meters
from fugong.enterprises.models import Enterprise
from fugong.enterprises.service import register_enterprise
from fugong.index import store
from tests.enterprises.helpers import SYSTEM, firm, make_uscc

HANGZHOU = SYSTEM.__class__(user_id="hz", role="officer", region_prefix="3301")


def test_missing_enterprises_are_added_and_existing_ones_kept(session, tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path)})
    settings.ensure_dirs()
    store.write_enterprises(settings, pa.table({
        "enterprise_id": ["E1", "E2", "E3", "E4"], "region_code": ["330110", "330106", "330203", "330110"],
        "industry_code": ["34", "17", "34", "C3731"], "size_class": ["small", "bogus", "large", "micro"],
        "name": ["甲", "乙", "丙", None], "uscc": [make_uscc(1), make_uscc(2), None, make_uscc(1)]}))
    register_enterprise(session, SYSTEM, **firm("E1", name="已登记甲", serial=1))
    assert sync_from_meters(session, HANGZHOU, settings=settings) == 2  # E2, E4 (E3 is Ningbo's, E1 exists)
    e1, e2, e4 = (session.get(Enterprise, eid) for eid in ("E1", "E2", "E4"))
    assert e1.name == "已登记甲" and e1.source == "import"
    assert (e2.source, e2.size_class, e2.region_vintage, e2.uscc) == ("meter", None, "2021", make_uscc(2))
    assert e4.uscc is None and e4.name == "E4"  # E1 holds that USCC already: unique
    session.expire_all()
    created = session.get(Enterprise, "E2").created_at
    created = created if created.tzinfo else created.replace(tzinfo=dt.timezone.utc)
    assert abs(created - dt.datetime.now(dt.timezone.utc)) < dt.timedelta(minutes=5)
    assert sync_from_meters(session, SYSTEM, settings=settings) == 1  # E3 for the whole-country caller
    assert sync_from_meters(session, SYSTEM, settings=settings) == 0
