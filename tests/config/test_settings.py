"""Settings come from FUGONG_* variables, are validated once, and bad values name the variable."""

import os
import stat

import pytest

from fugong.config import SettingsError, load_settings


def test_it_has_working_local_defaults(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path)})
    assert settings.engine == "duckdb"
    assert settings.resolved_database_url == f"sqlite:///{(tmp_path / 'fugong.db').resolve()}"
    assert settings.parquet_dir == tmp_path / "parquet"
    assert settings.language == "zh"


def test_it_names_the_variable_and_accepted_values_for_a_bad_engine():
    with pytest.raises(SettingsError) as info:
        load_settings({"FUGONG_ENGINE": "oracle"})
    message = str(info.value)
    assert "FUGONG_ENGINE='oracle'" in message
    assert "duckdb" in message and "spark" in message


def test_it_rejects_an_unknown_database_scheme():
    with pytest.raises(SettingsError, match="FUGONG_DATABASE_URL='mysql://x' is not valid"):
        load_settings({"FUGONG_DATABASE_URL": "mysql://x"})


def test_it_rejects_a_port_out_of_range_and_a_bad_date():
    with pytest.raises(SettingsError) as info:
        load_settings({"FUGONG_PORT": "70000", "FUGONG_AS_OF": "2020-02-31"})
    assert "FUGONG_PORT" in str(info.value)
    assert "FUGONG_AS_OF" in str(info.value)


def test_it_refuses_a_misspelt_variable_and_lists_the_known_ones():
    with pytest.raises(SettingsError) as info:
        load_settings({"FUGONG_ENGNE": "duckdb"})
    assert "FUGONG_ENGNE" in str(info.value)
    assert "FUGONG_ENGINE" in str(info.value)


def test_it_never_shows_the_secret_key_in_errors():
    with pytest.raises(SettingsError) as info:
        load_settings({"FUGONG_SECRET_KEY": "s3cr3t-value", "FUGONG_ENGINE": "x"})
    assert "s3cr3t-value" not in str(info.value)
    assert "s3cr3t-value" not in repr(load_settings({"FUGONG_SECRET_KEY": "s3cr3t-value"}))


def test_it_generates_the_secret_key_once_with_mode_0600(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path)})
    first = settings.secret()
    key_file = tmp_path / "secret.key"
    assert len(first) >= 32
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert settings.secret() == first
    assert load_settings({"FUGONG_DATA_DIR": str(tmp_path)}).secret() == first


def test_it_prefers_the_secret_key_from_the_environment(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_SECRET_KEY": "from-env"})
    assert settings.secret() == b"from-env"
    assert not (tmp_path / "secret.key").exists()


def test_the_cli_stops_with_a_named_error_on_bad_settings(monkeypatch):
    from typer.testing import CliRunner

    from fugong.cli import app
    from fugong.config import get_settings

    monkeypatch.setenv("FUGONG_ENGINE", "oracle")
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["db", "current"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert "FUGONG_ENGINE" in result.output
