"""An officer of 3301 sees Hangzhou only: its counties, no other city, no province-wide breakdowns."""


def test_a_hangzhou_officer_sees_only_hangzhou_counties(client_for):
    body = client_for("officer", "3301").get("/overview.json").json()
    codes = [row["code"] for row in body["counties"] + body["worst"] + body["best"]]
    assert codes and all(code.startswith("3301") for code in codes)
    assert body["cities"] == []
    assert body["industries"] is None and body["categories"] is None and body["sizes"] is None


def test_the_province_admin_sees_every_city_and_the_industry_breakdowns(client_for):
    body = client_for("province_admin", "33").get("/overview.json").json()
    assert body["headline"]["code"] == "330000"
    assert len({row["code"][:4] for row in body["counties"]}) == len(body["cities"]) > 1
    assert body["industries"] and body["sizes"]


def test_a_prefix_that_only_partly_covers_the_province_does_not_see_its_total(served_data):
    # "330" covers cities 3301-3309 but not 3310/3311: the province row would leak them. (Accounts
    # accept only 2, 4 or 6 digits; the service must still be right for any Principal.)
    from fugong.access import Principal
    from fugong.config import load_settings
    from fugong.dashboard import service

    settings = load_settings({"FUGONG_DATA_DIR": str(served_data), "FUGONG_AS_OF": "2020-02-20"})
    body = service.overview(settings=settings, principal=Principal(user_id="p", role="officer", region_prefix="330"))
    assert body["headline"] is None
    assert body["industries"] is None
    assert all(row["code"][:3] == "330" for row in body["counties"] + body["cities"])


def test_a_county_officer_sees_one_county(client_for):
    body = client_for("officer", "330110").get("/overview.json").json()
    assert body["headline"]["code"] == "330110"
    assert [row["code"] for row in body["counties"]] == ["330110"]


def test_enterprise_users_and_gate_staff_may_not_open_the_dashboard(client_for):
    for role in ("enterprise", "gate_staff"):
        client = client_for(role, "3301", enterprise_ids=("E0000001",) if role == "enterprise" else ())
        assert client.get("/overview.json").status_code == 403
        assert client.get("/explorer.json").status_code == 403
