"""The desk's TOML files — its configuration, routing rules, pairing plans — that are not UTF-8, are
folders, nest 30,000 deep or hold a value of the wrong type are refused with the desk's own error
naming the file and the field, and publish nothing."""

import pytest
from sqlalchemy import func, select

from fugong.desk import pairing, routing
from fugong.desk.models import Pairing, RoutingSet
from fugong.desk.service import DeskError
from fugong.desk.settings import DEFAULT, DeskConfigError, load_desk_config
from tests.desk.helpers import SYSTEM, build_world


def _file(tmp_path, text: str | bytes):
    path = tmp_path / "desk.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


CONFIG = DEFAULT.read_text(encoding="utf-8")


@pytest.mark.parametrize(("text", "field"), [
    (CONFIG.encode("gbk"), "encoding"),
    (CONFIG + "\nx = " + "{a=" * 30_000 + "1" + "}" * 30_000 + "\n", "toml"),
    ("categories = 5\n", "categories"),
    ("categories = [5]\n", "categories"),
    (CONFIG.replace("closures = []", "closures = [[1]]"), "escalation.closures"),
    (CONFIG.replace("closures = []", 'closures = "zhejiang-2020"'), "escalation.closures"),
    (CONFIG.replace("head_after_workdays = 1", "head_after_workdays = true"), "escalation.head_after_workdays"),
    (CONFIG.replace('zh = "用工与员工返岗"', "zh = [1]"), r"categories.0.\.zh"),
])
def test_a_malformed_desk_configuration_is_refused_naming_the_field(tmp_path, text, field):
    with pytest.raises(DeskConfigError, match=rf"desk\.toml: {field}"):
        load_desk_config(_file(tmp_path, text))


@pytest.mark.parametrize(("text", "field"), [
    (b"\xff\xfe[[rules]]", "encoding"),
    ("rules = [1]\n", "rules"),
    ('[[rules]]\ncategory = ["funding"]\ndepartment = "WH-JRB"\n', r"rules\[0\]\.category"),
    ('[[rules]]\nregion_prefix = 340203\ndepartment = "WH-JRB"\n', r"rules\[0\]\.region_prefix"),
    ('[[rules]]\ndepartment = "WH-JRB"\nconditions = [1]\n', r"rules\[0\]\.conditions"),
    ('[[rules]]\ndepartment = "WH-JRB"\n[rules.conditions]\nmin_amount_yuan = nan\n', r"min_amount_yuan"),
])
def test_malformed_routing_rules_are_refused_and_publish_nothing(session, tmp_path, text, field):
    build_world(session)
    versions = session.scalar(select(func.count()).select_from(RoutingSet))
    with pytest.raises(routing.RoutingError, match=field):
        rules = routing.parse_rules_file(_file(tmp_path, text))
        routing.publish(session, SYSTEM, rules=rules, reason="test", source="desk.toml")
    assert session.scalar(select(func.count()).select_from(RoutingSet)) == versions


@pytest.mark.parametrize(("text", "field"), [
    ("[[leader]]\nusername = 'a'\n" + "x = " + "[" * 30_000 + "]" * 30_000 + "\n", "toml"),
    ("leader = 5\n", "leader"),
    ("grid = [1]\n", "grid"),
    ("[[leader]]\nusername = 'wh-leader-1'\nenterprises = 'E-WH-1'\n", "enterprises"),
    ("[[leader]]\nusername = 'wh-leader-1'\nenterprises = [['E-WH-1']]\n", "enterprises"),
    ("[[grid]]\narea = ['WH-G1']\nusername = 'g'\n", "grid.0..area"),
    ("[[department]]\nusername = 'd'\nunit = ['WH-RSJ']\n", "unit"),
])
def test_a_malformed_pairing_plan_is_refused_and_pairs_nobody(session, tmp_path, text, field):
    build_world(session)
    before = session.scalar(select(func.count()).select_from(Pairing))
    with pytest.raises(DeskError, match=field):
        plan = pairing.parse_plan(_file(tmp_path, text))
        pairing.apply_plan(session, SYSTEM, plan=plan, source="desk.toml")
    assert session.scalar(select(func.count()).select_from(Pairing)) == before


def test_routing_publish_names_a_bad_desk_configuration_and_exits_2(settings_env, tmp_path, monkeypatch):
    # The rules are checked against the categories of FUGONG_DESK_CONFIG: a bad configuration file is a
    # named error of the command, not a traceback.
    from typer.testing import CliRunner

    from fugong.cli import app

    monkeypatch.setenv("FUGONG_DESK_CONFIG", str(_file(tmp_path, "categories = 5\n")))
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rules]]\ndepartment = "WH-JRB"\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["desk", "routing", "publish", str(rules), "--reason", "测试"],
                                terminal_width=200)
    assert result.exit_code == 2, result.output
    assert "desk.toml: categories" in result.output and "Traceback" not in result.output
