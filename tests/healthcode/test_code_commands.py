"""`fugong code …`: verify a token, rotate keys, load lists, purge, show rules."""

import pytest
from typer.testing import CliRunner

from fugong.cli import app

runner = CliRunner()


@pytest.fixture
def issued(settings_env):
    """A person with a green code in the CLI's own database, and a fresh token."""
    from fugong.access import Principal
    from fugong.config import get_settings
    from fugong.healthcode.declarations import declare
    from fugong.healthcode.people import register_person
    from fugong.healthcode.tokens import issue_token
    from fugong.store.db import connect, session_scope, upgrade
    from tests.healthcode.helpers import make_id

    engine = connect(get_settings().resolved_database_url)
    upgrade(engine)
    rotated = runner.invoke(app, ["code", "keys", "rotate"])  # set-up makes the first key; reads never do
    assert rotated.exit_code == 0, rotated.output
    with session_scope(engine) as session:
        me = Principal(user_id="u1", role="person")
        person = register_person(session, me, name="王五", phone="13700000000", id_number=make_id(1),
                                 region_code="330106")
        declare(session, me, current_region="330106", temperature=36.5)
        token = issue_token(session, person=person)
    engine.dispose()
    return token


def test_verify_accepts_a_fresh_token_and_rejects_a_tampered_one(issued):
    good = runner.invoke(app, ["code", "verify", issued])
    assert good.exit_code == 0 and "colour=green" in good.output
    bad = runner.invoke(app, ["code", "verify", issued[:-4] + ("AAAA" if not issued.endswith("AAAA") else "BBBB")])
    assert bad.exit_code == 1 and "DENY_BAD_SIGNATURE" in bad.output


def test_keys_rotate_makes_a_new_active_key_and_the_old_token_still_verifies(issued):
    result = runner.invoke(app, ["code", "keys", "rotate"])
    assert result.exit_code == 0 and "new active signing key" in result.output
    listed = runner.invoke(app, ["code", "keys", "list"])
    assert listed.output.count('"kid"') == 2
    assert runner.invoke(app, ["code", "verify", issued]).exit_code == 0


def test_lists_load_reports_rejects_by_row_and_field(settings_env, tmp_path):
    from tests.healthcode.helpers import make_id

    path = tmp_path / "contacts.csv"
    path.write_text("kind,id_number,region_code,start_date,end_date\n"
                    f"close_contact,{make_id(3)},330106,2020-02-01,\nclose_contact,123,330106,2020-02-01,\n")
    result = runner.invoke(app, ["code", "lists", "load", str(path)])
    assert result.exit_code == 0 and "loaded 1" in result.output and "rejected 1" in result.output
    assert "row 3 field id_number" in result.output


def test_purge_takes_an_age_and_refuses_a_bad_one(settings_env):
    assert runner.invoke(app, ["code", "purge", "--older-than", "28d"]).exit_code == 0
    bad = runner.invoke(app, ["code", "purge", "--older-than", "soon"])
    assert bad.exit_code == 2 and "28d" in bad.output


def test_rules_shows_the_recovery_steps_of_a_preset(settings_env):
    result = runner.invoke(app, ["code", "rules", "hubei-2020"])
    assert result.exit_code == 0 and "red → yellow after 14" in result.output
    assert runner.invoke(app, ["code", "rules", "nowhere-2020"]).exit_code == 2
