"""The header's date picker offers only days with results, starts on FUGONG_AS_OF, and the day chosen
on one page is the day of the next page; a part that shows another day says so."""

import re

from fugong.dashboard.service import result_dates

HTML = {"Accept": "text/html"}


def picker(page: str) -> tuple[list[str], str | None]:
    form = page.split('<form class="datepick"', 1)[1].split("</form>", 1)[0]
    options = re.findall(r'<option value="([0-9-]+)"', form)
    selected = re.search(r'<option value="([0-9-]+)" selected', form)
    return options, selected.group(1) if selected else None


def test_the_picker_offers_exactly_the_days_with_results(client_for, app):
    client = client_for("officer", "3301")
    options, selected = picker(client.get("/overview", headers=HTML).text)
    days = {d.isoformat() for d in result_dates(app.state.settings)}
    assert set(options) == days and options == sorted(options, reverse=True)
    assert selected == "2020-02-20"  # FUGONG_AS_OF


def test_the_day_chosen_on_one_page_is_the_day_of_the_next(client_for):
    client = client_for("officer", "3301")
    overview = client.get("/overview?date=2020-02-12", headers=HTML)
    assert picker(overview.text)[1] == "2020-02-12" and 'datetime="2020-02-12"' in overview.text
    explorer = client.get("/explorer", headers=HTML)  # no ?date=: the remembered day
    assert picker(explorer.text)[1] == "2020-02-12"
    assert client.get("/explorer.json").json()["table"]["date"] == "2020-02-12"
    risk_map = client.get("/risk/map", headers=HTML)
    assert picker(risk_map.text)[1] == "2020-02-12"


def test_the_picker_keeps_the_pages_other_choices(client_for):
    client = client_for("officer", "3301")
    page = client.get("/explorer?series=county:330106&code=330100", headers=HTML).text
    form = page.split('<form class="datepick"', 1)[1].split("</form>", 1)[0]
    assert 'name="series" value="county:330106"' in form and 'name="code" value="330100"' in form


def test_a_malformed_day_is_refused(client_for):
    assert client_for("officer", "3301").get("/overview.json?date=2020-02-30").status_code == 400


def test_the_overview_says_which_grading_its_map_shows(client_for):
    client = client_for("officer", "3301")
    page = client.get("/overview?date=2020-02-20", headers=HTML).text
    # The sample data has no risk publication: the map section says there is none up to the day.
    assert "2020-02-20 及之前没有风险评级" in page
