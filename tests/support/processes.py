"""Run test code in child processes: two writers at once, and a writer killed in the middle.

``spawn(code, **env)`` starts ``python -c code`` with the repository on the path; the code reads its
arguments from ``os.environ``. ``wait_for(path)`` waits until a child has written a marker file
(the moment to kill it)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def spawn(code: str, **env: str) -> subprocess.Popen:
    environ = {**os.environ, "PYTHONPATH": f"{REPO}:{REPO / 'src'}", **{k: str(v) for k, v in env.items()}}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=environ, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(process: subprocess.Popen, timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, f"child failed ({process.returncode}):\n{err[-3000:]}"
    return out


def wait_for(path: Path, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not Path(path).exists():
        if process.poll() is not None:
            raise AssertionError(f"child ended before {path} appeared:\n{process.stderr.read()[-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear in {timeout} s")
        time.sleep(0.02)


def kill(process: subprocess.Popen) -> None:
    process.kill()
    process.wait(timeout=30)
