"""One settings object and one key derivation for every use of the secret; the secret file is created
atomically when two processes start at once; the risk rule set is checked at start-up."""

import hashlib
import hmac
import multiprocessing

import pytest

from fugong.config import SettingsError, get_settings, load_settings, use_settings


def _hkdf_sha256(secret: bytes, info: bytes, salt: bytes = b"fugong", length: int = 32) -> bytes:
    """RFC 5869, written out here independently of the code under test."""
    prk = hmac.new(salt, secret, hashlib.sha256).digest()
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def test_the_id_number_hash_keeps_its_derivation(tmp_path):
    """Stored hashes must keep matching: HMAC-SHA256 under HKDF(secret, salt "fugong", info "healthcode id hash")."""
    from fugong.healthcode.people import hash_id
    from tests.healthcode.helpers import make_id

    secret = b"a secret of the deployment"
    key = _hkdf_sha256(secret, b"healthcode id hash")
    expected = hmac.new(key, make_id(7).encode(), hashlib.sha256).hexdigest()
    assert hash_id(make_id(7), secret=secret) == expected


def test_every_use_derives_its_own_key_from_the_one_secret(tmp_path):
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_SECRET_KEY": "s" * 40})
    keys = {purpose: settings.derive_key(purpose)
            for purpose in ("session cookies", "healthcode id hash", "healthcode signing keys")}
    assert len(set(keys.values())) == 3 and all(len(k) == 32 for k in keys.values())
    assert keys["session cookies"] == _hkdf_sha256(b"s" * 40, b"session cookies")


def test_the_app_and_the_services_read_the_same_settings(tmp_path, monkeypatch):
    from fugong.healthcode.people import secret_key
    from fugong.web.app import create_app

    monkeypatch.setenv("FUGONG_SECRET_KEY", "the environment's secret " + "e" * 20)
    get_settings.cache_clear()
    settings = load_settings({"FUGONG_DATA_DIR": str(tmp_path), "FUGONG_SECRET_KEY": "the app's secret " + "a" * 20})
    try:
        create_app(settings)
        # before: sessions used the app's settings, ID hashing and key encryption the environment's
        assert secret_key() == settings.secret()
    finally:
        use_settings(None)
        get_settings.cache_clear()


def _read_secret(folder: str, barrier, results) -> None:
    from pathlib import Path

    from fugong.config import _secret_from_file

    barrier.wait()
    results.put(_secret_from_file(Path(folder) / "secret.key"))


def test_two_processes_starting_at_once_get_the_same_complete_secret(tmp_path):
    context = multiprocessing.get_context("fork")
    for attempt in range(5):
        folder = tmp_path / f"d{attempt}"
        barrier, results = context.Barrier(4), context.Queue()
        processes = [context.Process(target=_read_secret, args=(str(folder), barrier, results)) for _ in range(4)]
        for process in processes:
            process.start()
        for process in processes:
            process.join(timeout=60)
            assert process.exitcode == 0  # before: FileExistsError in the loser
        secrets = {results.get(timeout=10) for _ in processes}
        assert len(secrets) == 1 and len(secrets.pop()) >= 48  # never empty, never two keys
        assert oct((folder / "secret.key").stat().st_mode & 0o777) == "0o600"
        assert [p.name for p in folder.iterdir()] == ["secret.key"]  # no temporary file left


def test_a_missing_or_broken_risk_rule_set_stops_start_up(tmp_path):
    with pytest.raises(SettingsError, match="FUGONG_RISK_RULES='no-such-preset' is not valid"):
        load_settings({"FUGONG_RISK_RULES": "no-such-preset"})
    broken = tmp_path / "broken.toml"
    broken.write_bytes(b"name = \xff\xfe")
    with pytest.raises(SettingsError, match="FUGONG_RISK_RULES=.*not UTF-8"):
        load_settings({"FUGONG_RISK_RULES": str(broken)})


def test_a_huge_bad_value_is_shown_short():
    with pytest.raises(SettingsError) as error:
        load_settings({"FUGONG_ENGINE": "x" * 100_000})
    assert len(str(error.value)) < 400 and "characters" in str(error.value)
