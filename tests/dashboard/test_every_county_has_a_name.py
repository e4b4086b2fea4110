"""Every county row of the overview carries its name, including counties that exist only in the
2020 GB/T 2260 vintage the February 2020 data uses (330103 下城区, 330104 江干区)."""

from fugong.access import Principal
from fugong.config import load_settings
from fugong.dashboard import service
from fugong.reference import regions


def test_every_county_row_has_the_name_of_its_code(served_data):
    settings = load_settings({"FUGONG_DATA_DIR": str(served_data), "FUGONG_AS_OF": "2020-02-20"})
    body = service.overview(settings=settings, principal=Principal(user_id="a", role="province_admin",
                                                                    region_prefix="33"))
    counties = body["counties"]
    assert len(counties) > 50
    for row in counties:
        assert row["name"] == regions.find_in_any_vintage(row["code"]).name
    assert any(regions.find(row["code"], vintage="2021") is None for row in counties)  # a 2020-only code
