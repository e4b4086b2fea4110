"""The process `fugong serve` runs (fugong.web.asgi) freezes its start-up objects and collects the
young generation less often (full collections stalled gate scans); building an app in tests does not."""

import gc
import json
import os
import subprocess
import sys


def test_the_asgi_entry_point_freezes_start_up_objects_and_raises_the_young_threshold(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUGONG_") or k.startswith("FUGONG_TEST_")}
    env.update({"FUGONG_DATA_DIR": str(tmp_path / "data"), "FUGONG_SECRET_KEY": "test-secret-" + "x" * 32})
    out = subprocess.run([sys.executable, "-c", "import gc, json, fugong.web.asgi; "
                          "print(json.dumps([gc.get_threshold(), gc.get_freeze_count()]))"],
                         env=env, capture_output=True, text=True, check=True).stdout
    threshold, frozen = json.loads(out.splitlines()[-1])
    assert threshold[0] == 7000
    assert frozen > 10_000  # the imported modules and the app


def test_building_an_app_leaves_the_collector_alone(tmp_path, settings_env):
    from fugong.web.app import create_app

    before = (gc.get_threshold(), gc.get_freeze_count())
    create_app()
    assert (gc.get_threshold(), gc.get_freeze_count()) == before
