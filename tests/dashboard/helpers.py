"""Helpers for dashboard tests: a served app with accounts and the dashboard router, users, log-in."""

from __future__ import annotations

from fugong.access import SYSTEM
from fugong.accounts import service as accounts
from fugong.config import load_settings
from fugong.store.db import session_scope
from tests.accounts.helpers import PASSWORD, csrf_from, log_in  # noqa: F401 - re-exported for tests

AS_OF = "2020-02-20"


def build_app(db_url: str, data_dir, as_of: str = AS_OF):
    """create_app with accounts and the dashboard router (until the lead includes them in create_app)."""
    from fugong.dashboard.views import install
    from fugong.web.app import create_app

    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32, "FUGONG_AS_OF": as_of})
    app = create_app(settings)
    install(app)
    return app


def make_user(engine, username: str, role: str = "officer", region_prefix: str = "3301", enterprise_ids=()):
    with session_scope(engine) as session:
        accounts.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=region_prefix,
                          enterprise_ids=enterprise_ids, password=PASSWORD)
