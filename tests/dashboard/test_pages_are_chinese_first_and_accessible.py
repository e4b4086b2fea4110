"""Pages are Chinese by default, English on request; tables have headers with scope, charts a table."""

import re


def test_the_overview_is_chinese_by_default_and_english_on_request(client_for):
    client = client_for("officer", "3301")
    assert 'lang="zh-CN"' in client.get("/overview").text and "复工复产总览" in client.get("/overview").text
    english = client.get("/overview?lang=en").text
    assert 'lang="en"' in english and "Resumption overview" in english
    assert "Resumption overview" in client.get("/overview").text  # remembered in the cookie


def test_every_table_header_has_a_scope_and_every_table_a_caption(client_for):
    client = client_for("province_admin", "33")
    for path in ("/overview", "/explorer?code=330100", "/explorer?code=330110"):
        page = client.get(path).text
        assert re.findall(r"<th[ >](?![^>]*scope=)[^>]*>", page) == [], path
        assert page.count("<table") == page.count("<caption>"), path


def test_the_explorer_chart_has_a_data_table_alternative(client_for):
    client = client_for("officer", "3301")
    body = client.get("/explorer.json").json()
    page = client.get("/explorer").text
    alternative = page.split("<details>")[1].split("</details>")[0]
    assert alternative.count("<tr><th scope=\"row\">") == sum(len(s["rows"]) for s in body["series"])


def test_the_add_series_field_has_a_label(client_for):
    page = client_for("officer", "3301").get("/explorer").text
    assert '<label for="add-series">' in page and 'id="add-series"' in page
