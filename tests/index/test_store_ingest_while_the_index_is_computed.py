"""Ingests commit while another process computes the index: the reader never fails on a collected
file and each of its rounds sees one whole version of the store.

The grace period is 0 here, so only the reader's pin on its version keeps the files it reads.
"""

import json

from .conftest import write
from .store_processes import finish, spawn


def test_ingests_while_the_index_is_computed_lose_nothing_and_the_reader_never_fails(index_settings, tmp_path, monkeypatch):
    from fugong.index.ingest import ingest_readings

    monkeypatch.setenv("FUGONG_STORE_GRACE_SECONDS", "0")
    base = "enterprise_id,date,kwh\n" + "".join(f"{e},2019-12-{d:02d},100\n" for e in "ABEF" for d in range(1, 31))
    ingest_readings(settings=index_settings, path=write(tmp_path, "base.csv", base))
    ingest_readings(settings=index_settings, path=write(tmp_path, "feb1.csv", "enterprise_id,date,kwh\nA,2020-02-01,50\n"))
    out = tmp_path / "rounds.json"
    reader = spawn("compute", 6, out, env={"FUGONG_STORE_GRACE_SECONDS": "0"})
    writers = []
    for n, firm in enumerate("BEF"):  # each commit replaces February's file
        path = write(tmp_path, f"feb-{firm}.csv", f"enterprise_id,date,kwh\n{firm},2020-02-01,{40 + n}\n{firm},2020-02-02,41\n")
        writers.append(spawn("ingest", path, "daily", env={"FUGONG_STORE_GRACE_SECONDS": "0"}))
        finish(writers[-1])
    finish(reader, timeout=600)

    rounds = json.loads(out.read_text())
    assert len(rounds) == 6
    for counts in rounds:
        reporting_0201 = dict(counts)["2020-02-01"]
        assert 1 <= reporting_0201 <= 4  # some version of the store, whole
    firsts = [dict(c)["2020-02-01"] for c in rounds]
    assert firsts == sorted(firsts)  # never goes back to an older version
    from .store_processes import stored_rows

    assert len([r for r in stored_rows(index_settings) if r[1].startswith("2020-02")]) == 7
