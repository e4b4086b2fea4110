"""Every resumption test runs with its own data directory and secret key (ID hashes, outbox settings)."""

import pytest


@pytest.fixture(autouse=True)
def resumption_env(settings_env, monkeypatch):
    monkeypatch.setenv("FUGONG_SECRET_KEY", "resumption-test-secret-" + "x" * 24)
    from fugong.config import get_settings

    get_settings.cache_clear()
    yield settings_env
    get_settings.cache_clear()
