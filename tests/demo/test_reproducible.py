"""Same seed, same files; another seed, another scenario."""

from __future__ import annotations

import hashlib

from fugong.demo.scenario import generate


def _digest(files) -> dict[str, str]:
    return {
        name: hashlib.sha256(getattr(files, name).read_bytes()).hexdigest()
        for name in ("enterprises", "daily", "interval", "labels")
    }


def test_the_same_seed_writes_identical_files(tmp_path):
    a = generate(out_dir=tmp_path / "a", scale=0.002, seed=7, interval_meters=20)
    b = generate(out_dir=tmp_path / "b", scale=0.002, seed=7, interval_meters=20)
    assert _digest(a) == _digest(b)


def test_another_seed_writes_another_scenario(tmp_path):
    a = generate(out_dir=tmp_path / "a", scale=0.002, seed=7, interval_meters=20)
    c = generate(out_dir=tmp_path / "c", scale=0.002, seed=8, interval_meters=20)
    assert _digest(a)["daily"] != _digest(c)["daily"]
