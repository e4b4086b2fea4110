"""One function answers "where is this enterprise" for access checks: the registry, else the meter
store's enterprises table (firms known only from meter data)."""

import pyarrow as pa

from fugong.config import load_settings
from fugong.enterprises.service import enterprise_region, register_enterprise, update_enterprise
from fugong.index import store
from tests.enterprises.helpers import SYSTEM, firm


def _settings_with_meters(tmp_path, rows):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path / "data")})
    settings.ensure_dirs()
    store.write_enterprises(settings, pa.table({"enterprise_id": [r[0] for r in rows], "region_code": [r[1] for r in rows],
                                                "industry_code": ["34"] * len(rows)}))
    return settings


def test_the_registry_wins_over_the_meter_table(session, tmp_path):
    settings = _settings_with_meters(tmp_path, [("E1", "330203"), ("E2", "330106")])
    register_enterprise(session, SYSTEM, **firm("E1", region="330110"))
    assert enterprise_region(session, "E1", settings=settings) == "330110"
    assert enterprise_region(session, "E2", settings=settings) == "330106"  # meter data only
    assert enterprise_region(session, "E3", settings=settings) is None


def test_a_move_in_the_registry_shows_at_once(session, tmp_path):
    settings = _settings_with_meters(tmp_path, [("E1", "330110")])
    register_enterprise(session, SYSTEM, **firm("E1", region="330110"))
    update_enterprise(session, SYSTEM, enterprise_id="E1", region_code="330106")
    assert enterprise_region(session, "E1", settings=settings) == "330106"


def test_a_rewritten_meter_table_is_read_again(session, tmp_path):
    settings = _settings_with_meters(tmp_path, [("E9", "330110")])
    assert enterprise_region(session, "E9", settings=settings) == "330110"
    _settings_with_meters(tmp_path, [("E9", "330203"), ("E10", "330106")])
    assert enterprise_region(session, "E9", settings=settings) == "330203"
