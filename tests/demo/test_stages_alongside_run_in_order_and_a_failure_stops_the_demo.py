"""`fugong demo` runs the stages marked ``alongside`` one after another in a second thread while the
main stages go on; a stage that ``waits`` starts only when they are done, and a failure alongside
stops the demo (non-zero exit, no later stage run, the error shown)."""

import threading
import time

from typer.testing import CliRunner

from fugong.cli import app
from fugong.demo import stages as demo_stages
from fugong.demo.stages import Stage


def _recorder(log, name, *, fail=False, seconds=0.0):
    def run(_ctx):
        time.sleep(seconds)
        if fail:
            raise RuntimeError(f"{name} failed on purpose")
        log.append((name, threading.current_thread().name))
        return name
    return run


def test_alongside_stages_run_in_a_second_thread_and_the_waiting_stage_after_them(settings_env, monkeypatch):
    monkeypatch.setenv("FUGONG_AS_OF", "2020-02-20")  # else the command sets it in this process for good
    log = []
    monkeypatch.setattr(demo_stages, "stages", lambda: [
        Stage("first", "first", _recorder(log, "first")),
        Stage("side-1", "side-1", _recorder(log, "side-1", seconds=0.3), alongside=True),
        Stage("side-2", "side-2", _recorder(log, "side-2"), alongside=True),
        Stage("main", "main", _recorder(log, "main")),
        Stage("after", "after", _recorder(log, "after"), waits=True),
    ])
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    names = [name for name, _ in log]
    assert names.index("main") < names.index("side-1")  # the main stage did not wait for the slow side one
    assert names.index("side-1") < names.index("side-2") < names.index("after")
    threads = dict(log)
    assert threads["side-1"] == threads["side-2"] != threads["main"] == threads["after"]
    for number in range(1, 6):
        assert f"[{number}/5]" in result.output


def test_a_failure_alongside_stops_the_demo_before_the_stages_that_need_it(settings_env, monkeypatch):
    monkeypatch.setenv("FUGONG_AS_OF", "2020-02-20")
    log = []
    monkeypatch.setattr(demo_stages, "stages", lambda: [
        Stage("side-1", "side-1", _recorder(log, "side-1", fail=True), alongside=True),
        Stage("side-2", "side-2", _recorder(log, "side-2"), alongside=True),
        Stage("main", "main", _recorder(log, "main", seconds=0.2)),
        Stage("after", "after", _recorder(log, "after"), waits=True),
    ])
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code != 0
    assert isinstance(result.exception, RuntimeError) and "side-1 failed on purpose" in str(result.exception)
    names = [name for name, _ in log]
    assert "side-2" not in names and "after" not in names and "Dashboard" not in result.output
