"""Small files for the index tests, written per test into tmp_path."""

from pathlib import Path

import pytest

ENTERPRISES_CSV = """enterprise_id,region_code,industry_code,size_class
A,330102,3731,large
B,330102,3731,small
E,330106,1711,large
F,330302,1711,small
"""


@pytest.fixture
def index_settings(settings_env):
    """Settings on a temporary data directory, with the four enterprises A, B, E, F stored."""
    from fugong.config import get_settings
    from fugong.index.ingest import ingest_enterprises

    settings = get_settings()
    path = Path(settings_env).parent / "enterprises.csv"
    path.write_text(ENTERPRISES_CSV, encoding="utf-8")
    ingest_enterprises(settings=settings, path=path)
    return settings


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path
