"""Cached overviews are kept per scope: officers of two cities asking in turn each get their own
counties (page and JSON), and each page shows its own user name and CSRF token, never the other's."""

import re

from tests.dashboard.helpers import csrf_from


def _county_codes(page: str) -> set[str]:
    return set(re.findall(r'/explorer\?code=(\d{6})&amp;series=county', page))


def test_officers_of_two_cities_asking_in_turn_get_only_their_own_counties(client_for):
    hangzhou, ningbo = client_for("officer", "3301"), client_for("officer", "3302")
    for _ in range(2):  # the second round is answered from the cache
        for client, city in ((hangzhou, "3301"), (ningbo, "3302")):
            body = client.get("/overview.json").json()
            assert body["scope"]["region_prefix"] == city
            assert body["counties"] and {row["code"][:4] for row in body["counties"]} == {city}
            assert body["headline"]["code"] == city + "00"
            codes = _county_codes(client.get("/overview").text)
            assert codes and {code[:4] for code in codes} == {city}


def test_each_cached_page_carries_its_own_users_name_and_csrf_token(client_for):
    first, second = client_for("officer", "3301"), client_for("officer", "3301")  # the same scope
    pages = [client.get("/overview").text for client in (first, second, first, second)]
    names = [re.search(r'<a class="user"[^>]*>([^<]+)</a>', page).group(1) for page in pages]
    tokens = [csrf_from(page) for page in pages]
    assert names[0] == names[2] != names[1] == names[3]
    assert tokens[0] == tokens[2] != tokens[1] == tokens[3]
    assert pages[0].split('<main id="main">')[1] == pages[1].split('<main id="main">')[1]  # shared part


def test_a_province_admin_after_an_officer_sees_the_whole_province(client_for):
    officer, admin = client_for("officer", "3301"), client_for("province_admin", "33")
    assert {row["code"][:4] for row in officer.get("/overview.json").json()["counties"]} == {"3301"}
    body = admin.get("/overview.json").json()
    assert len({row["code"][:4] for row in body["counties"]}) > 1
    assert body["industries"]
