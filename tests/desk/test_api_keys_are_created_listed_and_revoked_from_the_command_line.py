"""`fugong desk api-key create|list|revoke`: a key is printed once and stored hashed; revoking it stops
it at once; a key must be bound to exactly one unit or enterprise."""

import re

from typer.testing import CliRunner

from fugong.cli import app
from fugong.config import get_settings
from fugong.desk import open311
from fugong.desk.open311 import Open311Error
from fugong.store.db import connect, session_scope, upgrade
from tests.desk.helpers import build_world

runner = CliRunner()


def test_create_list_revoke(settings_env):
    engine = connect(get_settings().resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        build_world(session)
    created = runner.invoke(app, ["desk", "api-key", "create", "--name", "弋江区人社局", "--unit", "WH-RSJ"])
    assert created.exit_code == 0, created.output
    key = re.search(r"(fg311_[A-Za-z0-9_-]+)", created.output).group(1)
    with session_scope(engine) as session:
        assert open311.authenticate(session, key).principal.region_prefix == "340203"
        stored = open311.list_keys(session, open311.Principal(user_id="a", role="system"))
        assert key not in repr([vars(k) for k in stored]) and stored[0].key_hash == open311.hash_key(key)
    listed = runner.invoke(app, ["desk", "api-key", "list"], terminal_width=200)
    assert "弋江区人社局" in listed.output and key not in listed.output
    assert runner.invoke(app, ["desk", "api-key", "revoke", "1"]).exit_code == 0
    with session_scope(engine) as session:
        try:
            open311.authenticate(session, key)
            raise AssertionError("a revoked key still authenticates")
        except Open311Error as error:
            assert error.status == 403
    both = runner.invoke(app, ["desk", "api-key", "create", "--name", "x", "--unit", "WH-RSJ", "--enterprise", "E-WH-1"])
    assert both.exit_code == 2 and "one of them" in both.output
    assert runner.invoke(app, ["desk", "api-key", "revoke", "99"]).exit_code == 2
    engine.dispose()
