"""Settings from the environment, validated once, with working local defaults.

Every setting is an environment variable ``FUGONG_<NAME>``. A bad value stops start-up with a message
that names the variable and the values it accepts, e.g.::

    FUGONG_ENGINE='oracle' is not valid: accepted values are duckdb, spark

Defaults give a working single-machine install: a data directory ``./fugong-data`` holding a SQLite
file (transactional data) and Parquet files (meter readings, results). The secret key, if not given,
is generated on first run and kept in ``<data dir>/secret.key`` with mode 0600; it is never logged.

One settings object per process: ``get_settings()``; ``create_app(settings)`` installs the app's
settings with ``use_settings`` so that the web layer and the services (ID hashing, signing keys)
read the same secret. Every use of the secret takes its own key from it with
``settings.derive_key(purpose)`` (HKDF-SHA256, RFC 5869), never the secret itself::

    settings.derive_key("healthcode id hash")        # keyed hashes of ID numbers
    settings.derive_key("healthcode signing keys")   # AES-GCM wrapping of the Ed25519 private keys
    settings.derive_key("session cookies")           # signing the session cookie (itsdangerous)
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TIMEZONE = "Asia/Shanghai"  # DESIGN.md §2: all times in Asia/Shanghai.


class SettingsError(ValueError):
    """A setting from the environment is invalid; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FUGONG_", extra="ignore", frozen=True)

    data_dir: Path = Field(default=Path("fugong-data"), description="Parquet files, SQLite file, keys, rejects")
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default sqlite:///<data_dir>/fugong.db")
    engine: Literal["duckdb", "spark"] = Field(default="duckdb", description="analytics engine behind Ibis")
    secret_key: SecretStr | None = Field(default=None, description="signs sessions and encrypts keys; generated if unset")
    map_dir: Path | None = Field(default=None, description="folder of GeoJSON boundaries replacing the shipped ones")
    as_of: dt.date | None = Field(default=None, description="the dashboard's 'today' (the demo sets 2020-02-20)")
    risk_rules: str = Field(default="zj-five-colour-2020", description="active risk rule set (preset name or file)")
    language: Literal["zh", "en"] = Field(default="zh", description="default UI language")
    spark_master: str = Field(default="local[*]", description="Spark master URL for FUGONG_ENGINE=spark")
    spark_driver_memory: str = Field(default="4g", pattern=r"^[0-9]+[kmgt]$", description="e.g. 4g")
    host: str = Field(default="127.0.0.1")
    port: int = Field(default=8000, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = Field(default="info")
    max_body_bytes: int = Field(default=1 << 20, ge=1024, le=1 << 30,
                                description="largest request body accepted (uploads set their own limit)")
    store_grace_seconds: float = Field(default=600.0, ge=0, description="a superseded meter-store file is kept this long for readers")
    # Workflows (fugong.workflow, docs/workflow.md): the scheduler in `fugong serve`, notification channels.
    scheduler: bool = Field(default=True, description="run the job scheduler inside fugong serve (one worker holds it)")
    smtp_url: SecretStr | None = Field(default=None, description="smtp://user:pass@host:port for e-mail notifications")
    mail_from: str = Field(default="fugong@localhost", description="sender address of notification e-mail")
    webhook_url: str | None = Field(default=None, pattern=r"^https?://", description="POST notifications here (signed)")
    report_freeze_hour: int = Field(default=20, ge=0, le=23, description="local hour at which a day's reports freeze")
    desk_config: Path | None = Field(default=None, description="TOML of the demand desk's categories and deadlines")
    open311_public_reads: bool = Field(default=True, description="Open311 GET requests without an API key (public fields only)")
    open311_jurisdiction: str | None = Field(default=None, pattern=r"^[0-9]{2,6}$",
                                             description="GB/T 2260 code of the deploying region (Open311 jurisdiction_id)")
    resumption_policy: str = Field(default="commitment-harbin-2020", description="filing policy (preset name or TOML)")

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("accepted values are sqlite:///PATH or postgresql+psycopg://USER@HOST/DB")
        return value

    @field_validator("risk_rules")
    @classmethod
    def _known_risk_rules(cls, value: str) -> str:
        """Checked at start-up: a missing or broken rule set would otherwise surface as 404/500 on the map."""
        from fugong.risk.rules import RuleSetError, load_rules

        try:
            load_rules(value)
        except RuleSetError as exc:
            raise ValueError(f"not a usable risk rule set: {exc}") from None
        return value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'fugong.db').resolve()}"

    @property
    def parquet_dir(self) -> Path:
        return self.data_dir / "parquet"

    @property
    def rejects_dir(self) -> Path:
        return self.data_dir / "rejects"

    def secret(self) -> bytes:
        """The secret key: from the environment, else from ``<data_dir>/secret.key`` (created 0600)."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        return _secret_from_file(self.data_dir / "secret.key")

    def derive_key(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, derived from the secret (see the module docstring)."""
        return derive_key(self.secret(), purpose)

    def ensure_dirs(self) -> None:
        for path in (self.data_dir, self.parquet_dir, self.rejects_dir):
            path.mkdir(parents=True, exist_ok=True)


@lru_cache(maxsize=32)
def derive_key(secret: bytes, purpose: str) -> bytes:
    """HKDF-SHA256 (RFC 5869), salt "fugong", info = the purpose. The ID-number hashes depend on this
    exact derivation ("healthcode id hash"): changing it would make every stored hash stop matching."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"fugong", info=purpose.encode()).derive(secret)


def _secret_from_file(path: Path) -> bytes:
    """The key in ``path``, created atomically on first use.

    Two processes starting at once must both end up with the same, complete key: each writes its
    own temporary file (0600), then ``link``s it to the final name, which fails if the name exists
    (a reader never sees a half-written file); the loser reads the winner's key."""
    try:
        key = path.read_bytes().strip()
    except FileNotFoundError:
        key = b""
    if key:
        return key
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_urlsafe(48).encode())
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process won the race: use its key
    finally:
        tmp.unlink(missing_ok=True)
    key = path.read_bytes().strip()
    if not key:
        raise SettingsError(f"{path} is empty: delete it to generate a new secret, or set FUGONG_SECRET_KEY")
    return key


def _describe(error: ValidationError) -> str:
    lines = []
    for item in error.errors():
        name = "FUGONG_" + str(item["loc"][0]).upper() if item["loc"] else "FUGONG_*"
        value = item.get("input")
        if item["type"] == "literal_error":
            accepted = item["ctx"]["expected"].replace("'", "").replace(" or ", ", ")
            reason = f"accepted values are {accepted}"
        else:
            reason = item["msg"].removeprefix("Value error, ")
        from fugong.errors import shown as short

        shown = "***" if name in ("FUGONG_SECRET_KEY", "FUGONG_SMTP_URL") else short(value)
        lines.append(f"{name}={shown} is not valid: {reason}")
    return "\n".join(lines)


def load_settings(environ: dict[str, str] | None = None) -> Settings:
    """Read and validate settings; raise SettingsError naming each bad variable."""
    env = os.environ if environ is None else environ
    # FUGONG_TEST_* variables belong to the test suite, not to the application.
    values = {
        k[len("FUGONG_"):].lower(): v
        for k, v in env.items()
        if k.startswith("FUGONG_") and not k.startswith("FUGONG_TEST_")
    }
    known = set(Settings.model_fields)
    unknown = sorted(f"FUGONG_{k.upper()}" for k in values if k not in known)
    if unknown:
        raise SettingsError(
            f"unknown setting {', '.join(unknown)}: accepted variables are "
            + ", ".join(f"FUGONG_{k.upper()}" for k in sorted(known))
        )
    try:
        # Pass values explicitly so that a test's environ dict is honoured, not os.environ.
        return Settings.model_validate(values) if environ is not None else Settings()
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


_installed: Settings | None = None


def use_settings(settings: Settings | None) -> None:
    """Make ``settings`` the process-wide settings (``create_app`` does; None goes back to the environment)."""
    global _installed
    _installed = settings


def get_settings() -> Settings:
    """The process-wide settings, validated once."""
    return _installed if _installed is not None else _from_environment()


@lru_cache(maxsize=1)
def _from_environment() -> Settings:
    return load_settings()


def _clear() -> None:
    use_settings(None)
    _from_environment.cache_clear()


get_settings.cache_clear = _clear  # type: ignore[attr-defined]  (tests: forget the settings)
