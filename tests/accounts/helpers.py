"""Helpers for account tests: users and tokens made by the system, an app with accounts installed."""

from __future__ import annotations

import re

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.config import load_settings
from fugong.store.db import session_scope

PASSWORD = "correct horse battery"


def make_user(engine, username: str, role: str = "officer", region_prefix: str = "3301",
              enterprise_ids=(), password: str | None = PASSWORD) -> None:
    with session_scope(engine) as session:
        service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=region_prefix,
                         enterprise_ids=enterprise_ids, password=password)


def make_token(engine, username: str, name: str = "test") -> str:
    with session_scope(engine) as session:
        return service.create_api_token(session, actor=SYSTEM, username=username, name=name).token


def build_app(db_url: str, data_dir, **policy):
    """create_app (accounts included) over this database, with an optional login/session policy."""
    from fugong.accounts.web import WebPolicy
    from fugong.web.app import create_app

    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32})
    app = create_app(settings)
    if policy:
        app.state.accounts_policy = WebPolicy(**policy)
    return app


def csrf_from(page_text: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page_text).group(1)


def log_in(client, username: str, password: str = PASSWORD, next_path: str = "/"):
    """Open the login page (gets the CSRF cookie and field) and post the form; returns the response."""
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_path}, follow_redirects=False)
