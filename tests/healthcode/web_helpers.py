"""An app with accounts installed and users with API tokens, for the health-code web tests."""

from __future__ import annotations

from fugong.access import SYSTEM
from fugong.accounts import service
from fugong.config import load_settings
from fugong.store.db import session_scope


def build_app(db_url: str, data_dir):
    from fugong.web.app import create_app

    settings = load_settings({"FUGONG_DATA_DIR": str(data_dir), "FUGONG_DATABASE_URL": db_url,
                              "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32})
    return create_app(settings)


def user_with_token(engine, username: str, role: str, region_prefix: str = "", enterprise_ids=()) -> dict:
    with session_scope(engine) as session:
        service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=region_prefix,
                         enterprise_ids=enterprise_ids, password=None)
        token = service.create_api_token(session, actor=SYSTEM, username=username, name="test").token
    return {"Authorization": f"Bearer {token}"}
