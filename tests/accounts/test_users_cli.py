"""`fugong users`: add (password twice, hidden, or from stdin), list, disable, tokens shown once."""

import json

import pytest
from typer.testing import CliRunner

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.accounts.cli import app
from fugong.store.db import connect, session_scope

runner = CliRunner()


@pytest.fixture
def cli_env(settings_env, db_url, monkeypatch, engine):
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_DATABASE_URL", db_url)
    get_settings.cache_clear()
    return db_url


def _users(_db_url):
    return json.loads(runner.invoke(app, ["list", "--json"]).stdout)


def test_it_adds_a_user_with_a_password_from_stdin_and_lists_it(cli_env):
    result = runner.invoke(app, ["add", "3301-li", "--role", "officer", "--region", "3301", "--password-stdin"],
                           input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    assert "a long enough secret" not in result.output
    users = _users(cli_env)
    assert [(u["username"], u["role"], u["region_prefix"]) for u in users] == [("3301-li", "officer", "3301")]
    with session_scope(connect(cli_env)) as session:
        assert service.authenticate(session, username="3301-li", password="a long enough secret").ok


def test_an_interactive_password_is_asked_twice_and_never_echoed(cli_env):
    result = runner.invoke(app, ["add", "so", "--role", "service_officer", "--region", "3301",
                                 "--enterprise", "E1", "--enterprise", "E2"],
                           input="typed secret 123\ntyped secret 123\n")
    assert result.exit_code == 0, result.output
    assert "password" in result.output and "Repeat for confirmation" in result.output
    assert "typed secret 123" not in result.output
    assert _users(cli_env)[0]["enterprise_ids"] == ["E1", "E2"]


def test_it_refuses_a_short_password_with_a_clear_error(cli_env):
    result = runner.invoke(app, ["add", "li", "--role", "officer", "--password-stdin"], input="short\n")
    assert result.exit_code == 1 and "at least 10" in result.output
    assert _users(cli_env) == []


def test_it_refuses_a_bad_role_naming_the_accepted_ones(cli_env):
    result = runner.invoke(app, ["add", "li", "--role", "mayor", "--no-password"])
    assert result.exit_code == 1 and "officer" in result.output


def test_disable_marks_the_user_disabled(cli_env):
    runner.invoke(app, ["add", "li", "--role", "officer", "--region", "3301", "--no-password"])
    assert runner.invoke(app, ["disable", "li", "--reason", "left"]).exit_code == 0
    assert _users(cli_env)[0]["disabled"] is True
    assert runner.invoke(app, ["disable", "nobody"]).exit_code == 1


def test_a_token_is_printed_once_and_can_be_revoked(cli_env):
    runner.invoke(app, ["add", "bot", "--role", "grid_analyst", "--region", "33", "--no-password"])
    created = runner.invoke(app, ["token", "create", "bot", "--name", "meter loader"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("fgt_")
    listed = runner.invoke(app, ["token", "list", "bot"])
    assert "meter loader" in listed.output and token not in listed.output
    with session_scope(connect(cli_env)) as session:
        assert service.user_for_token(session, token=token).username == "bot"
        token_id = service.list_api_tokens(session, actor=SYSTEM, username="bot")[0].id
    assert runner.invoke(app, ["token", "revoke", str(token_id)]).exit_code == 0
    with session_scope(connect(cli_env)) as session:
        assert service.user_for_token(session, token=token) is None


def test_every_users_command_has_an_example():
    for path in (["add"], ["list"], ["disable"], ["enable"], ["password"], ["token", "create"],
                 ["token", "list"], ["token", "revoke"]):
        result = runner.invoke(app, [*path, "--help"], terminal_width=200)
        assert result.exit_code == 0 and "Example: fugong users" in result.output, path
