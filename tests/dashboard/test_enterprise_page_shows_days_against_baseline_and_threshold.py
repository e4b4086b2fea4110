"""The enterprise page and its JSON twin: every stored day's kWh against the baseline and the
threshold of the totals' parameters, the cohort and the flags; the list links to it."""


def _an_enterprise(client):
    rows = client.get("/explorer.json?code=330110&sort=kwh&order=desc").json()["table"]["rows"]
    return rows[0]


def test_the_json_twin_has_days_with_the_threshold_of_the_totals(client_for):
    client = client_for("officer", "3301")
    listed = _an_enterprise(client)
    data = client.get(f"/enterprise.json?id={listed['enterprise_id']}").json()
    theta = data["params"]["theta"]
    assert data["enterprise"]["enterprise_id"] == listed["enterprise_id"] and data["days"]
    for day in data["days"]:
        assert abs(day["threshold_kwh"] - theta * day["baseline_kwh"]) < 1e-6 * max(1.0, day["baseline_kwh"])
        assert day["resumed"] == (day["kwh"] >= day["threshold_kwh"])
    as_of = next(d for d in data["days"] if d["date"] == "2020-02-20")
    assert as_of["kwh"] == listed["kwh"] and as_of["resumed"] == listed["resumed"]


def test_the_page_shows_the_enterprise_and_is_linked_from_the_list(client_for):
    client = client_for("officer", "3301")
    listed = _an_enterprise(client)
    page = client.get("/explorer?code=330110").text
    assert f"/enterprise?id={listed['enterprise_id']}" in page
    response = client.get(f"/enterprise?id={listed['enterprise_id']}")
    assert response.status_code == 200 and listed["name"] in response.text and 'id="enterprise-data"' in response.text


def test_an_unknown_enterprise_is_not_found(client_for):
    assert client_for("officer", "3301").get("/enterprise.json?id=NOPE").status_code == 404
