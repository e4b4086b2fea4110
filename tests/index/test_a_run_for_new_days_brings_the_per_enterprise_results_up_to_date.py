"""`fugong index run --date D` brings results/index/enterprises.parquet (first resumption, cohort,
load-shape flags) up to date with D: in place, without computing it again, when D is a new working day
after every stored one; in full when D revises a stored day, fills a gap or falls in the holiday core.
Either way the results (the file with the changes of runs for new days applied, as every reader
reads them) equal what a full run writes from the same store. A new day's first resumptions go to
results/index/enterprises-since.parquet; the file itself is not rewritten for them."""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from fugong.index import oneday, service
from fugong.index.compute import IndexParams, Window
from fugong.index.ingest import ingest_readings
from fugong.index.service import compute_all

from .conftest import write

PERIOD = Window(dt.date(2020, 2, 3), dt.date(2020, 2, 20))
PARAMS = IndexParams(baseline=Window(dt.date(2019, 12, 1), dt.date(2019, 12, 30)))
MONDAY = dt.date(2020, 2, 17)  # the new day; February 10–14 are the week before (first resumption counts from the 10th)

# kWh by day of February (baseline 100, θ = 0.3: resumed from 30 kWh)
FEBRUARY = {
    "A": {3: 10, 4: 10, 5: 10, 6: 10, 7: 10, 10: 10, 11: 10, 12: 10, 13: 50, 14: 50},  # resumes from the 13th once the 17th is in
    "B": {10: 10, 11: 10, 12: 10, 13: 10, 14: 50},  # two resumed working days by the 17th: no run of three
    "E": {day: 95 for day in (3, 4, 5, 6, 7, 10, 11, 12, 13, 14)},  # never stopped (from January 25, see below)
    "F": {10: 50, 11: 50, 12: 50, 13: 50, 14: 50},  # resumed from the 10th, whatever the 17th says
}
NEW = {"A": 50, "B": 50, "E": 95, "F": 10}
TUESDAY = dt.date(2020, 2, 18)
TUESDAY_KWH = {"A": 10, "B": 50, "E": 95, "F": 50}


def _store(settings, tmp_path, *, without: tuple[int, ...] = ()):
    lines = [f"{firm},2019-12-{day:02d},100" for firm in "ABEF" for day in range(1, 31)]
    lines += [f"E,{dt.date(2020, 1, 25) + dt.timedelta(days=n)},95" for n in range(9)]  # the holiday core: January 25 – February 9
    lines += [f"{firm},2020-02-{day:02d},{kwh}" for firm, days in FEBRUARY.items() for day, kwh in days.items() if day not in without]
    ingest_readings(settings=settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\n" + "\n".join(lines) + "\n"))
    compute_all(settings=settings, period=PERIOD, params=PARAMS, enterprises_too=True)


def _ingest(settings, tmp_path, name, rows: dict, day: dt.date):
    text = "enterprise_id,date,kwh\n" + "".join(f"{firm},{day},{kwh}\n" for firm, kwh in rows.items())
    ingest_readings(settings=settings, path=write(tmp_path, name, text))


def _results(settings):
    table = oneday.read_enterprise_results(settings)
    return table.schema.remove_metadata(), table.sort_by("enterprise_id").to_pylist()


def _written(settings):
    """(inode, mtime) of the file and of its changes (None when there are none)."""
    files = (oneday.enterprises_path(settings), oneday.changes_path(settings))
    return [(path.stat().st_ino, path.stat().st_mtime_ns) if path.exists() else None for path in files]


def _full(settings):
    """What a full run writes from the same store (the file and its changes set aside and put back)."""
    paths = (oneday.enterprises_path(settings), oneday.changes_path(settings))
    kept = [path.read_bytes() if path.exists() else None for path in paths]
    compute_all(settings=settings, period=PERIOD, params=PARAMS, enterprises_too=True)
    full = _results(settings)
    assert not oneday.changes_path(settings).exists()  # a full run's file has them all
    for path, content in zip((oneday.enterprises_path(settings), oneday.changes_path(settings)), kept):
        if content is not None:
            path.write_bytes(content)
    return full


def _assert_as_full(settings, schema, rows):
    full_schema, full_rows = _full(settings)
    assert schema == full_schema
    for mine, full in zip(rows, full_rows, strict=True):
        # a mean's last bit depends on the order the engine's threads add in, from one run to the next
        same = {column: mine[column] == (pytest.approx(value, rel=1e-12) if isinstance(value, float) else value)
                for column, value in full.items()}
        assert all(same.values()), {column: (mine[column], full[column]) for column, ok in same.items() if not ok}


def _by_firm(rows):
    return {row["enterprise_id"]: row for row in rows}


def _forbid_full(monkeypatch):
    monkeypatch.setattr(service, "_compute_all", lambda **_: pytest.fail("the full computation ran"))
    monkeypatch.setattr(service, "_write_enterprises", lambda *_, **__: pytest.fail("the per-enterprise results were computed in full"))


def _count_full(monkeypatch) -> list:
    calls = []
    full = service._write_enterprises
    monkeypatch.setattr(service, "_write_enterprises", lambda *a, **kw: calls.append(1) or full(*a, **kw))
    return calls


def test_a_new_working_day_completes_a_run_of_three_in_place(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    before = _by_firm(_results(index_settings)[1])
    assert before["A"]["first_resumption"] is None and before["A"]["cohort"] == "not-resumed"
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    file_before, _ = _written(index_settings)

    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    file_after, changes = _written(index_settings)
    assert file_after == file_before and changes is not None  # the file as it was, A's change beside it
    assert pq.read_table(oneday.changes_path(index_settings)).to_pylist() == [
        {"enterprise_id": "A", "first_resumption": dt.date(2020, 2, 13), "cohort": "resumed"}]
    schema, rows = _results(index_settings)
    firms = _by_firm(rows)
    assert firms["A"]["first_resumption"] == dt.date(2020, 2, 13) and firms["A"]["cohort"] == "resumed"
    assert firms["B"]["first_resumption"] is None and firms["B"]["cohort"] == "not-resumed"
    assert (firms["E"]["cohort"], firms["E"]["first_resumption"]) == ("never-stopped", dt.date(2020, 2, 10))
    assert firms["F"]["first_resumption"] == dt.date(2020, 2, 10)
    _assert_as_full(index_settings, schema, rows)


def test_the_same_day_run_again_leaves_the_file_as_it_is(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    written = _written(index_settings)

    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert _written(index_settings) == written


def test_a_revised_working_day_computes_the_results_in_full(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert _by_firm(_results(index_settings)[1])["A"]["first_resumption"] == dt.date(2020, 2, 13)
    # A's Thursday was not resumed after all: its run of three is gone
    ingest_readings(settings=index_settings, path=write(tmp_path, "fix.csv", "enterprise_id,date,kwh\nA,2020-02-13,10\n"), replace=True)

    calls = _count_full(monkeypatch)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={dt.date(2020, 2, 13)})
    assert calls == [1]
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["A"]["first_resumption"] is None and _by_firm(rows)["A"]["cohort"] == "not-resumed"
    _assert_as_full(index_settings, schema, rows)


def test_a_working_day_filled_in_before_stored_days_computes_the_results_in_full(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path, without=(12,))  # Wednesday the 12th missing: A's and F's runs are broken there
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert _by_firm(_results(index_settings)[1])["F"]["first_resumption"] is None  # 10, 11 | 13, 14 | not the 17th

    _ingest(index_settings, tmp_path, "wednesday.csv", {firm: days[12] for firm, days in FEBRUARY.items()}, dt.date(2020, 2, 12))
    calls = _count_full(monkeypatch)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={dt.date(2020, 2, 12)})
    assert calls == [1]
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["F"]["first_resumption"] == dt.date(2020, 2, 10)
    _assert_as_full(index_settings, schema, rows)


def test_a_day_of_the_holiday_core_computes_the_results_in_full(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    assert _by_firm(_results(index_settings)[1])["F"]["cohort"] == "resumed"
    # F ran through the holiday after all: readings on the core's days in the period (February 3–9)
    core = [dt.date(2020, 2, day) for day in range(3, 10)]
    text = "enterprise_id,date,kwh\n" + "".join(f"F,{day},99\n" for day in core)
    ingest_readings(settings=index_settings, path=write(tmp_path, "core.csv", text))
    calls = _count_full(monkeypatch)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={dt.date(2020, 2, 10)})
    assert calls == []  # a day outside the core, unchanged: nothing to do
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates=set(core))
    assert calls == [1]
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["F"]["cohort"] == "never-stopped"
    _assert_as_full(index_settings, schema, rows)


def test_results_of_other_parameters_are_computed_in_full(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    calls = _count_full(monkeypatch)
    other = IndexParams(baseline=PARAMS.baseline, theta=0.6)  # 50 kWh no longer a resumed day: only E resumes
    compute_all(settings=index_settings, period=PERIOD, params=other, only_dates={MONDAY})
    assert calls == [1]
    firms = _by_firm(_results(index_settings)[1])
    assert [firms[f]["first_resumption"] for f in "ABEF"] == [None, None, dt.date(2020, 2, 10), None]


def _quarter_hours(firm: str, day: dt.date, kwh: float) -> list[str]:
    """A flat day: the same load in every quarter hour (an idle machine's shape)."""
    start = dt.datetime.combine(day, dt.time())
    return [f"{firm},{(start + dt.timedelta(minutes=15 * i)).isoformat(sep=' ')},{kwh / 96}" for i in range(96)]


def _store_with_an_interval_meter(settings, tmp_path):
    """The store of ``_store`` where B has a 15-minute meter instead of daily readings, and its full run."""
    lines = [f"{firm},2019-12-{day:02d},100" for firm in "ABEF" for day in range(1, 31)]
    lines += [f"{firm},2020-02-{day:02d},{kwh}" for firm, days in FEBRUARY.items() if firm != "B" for day, kwh in days.items()]
    ingest_readings(settings=settings, path=write(tmp_path, "d.csv", "enterprise_id,date,kwh\n" + "\n".join(lines) + "\n"))
    quarter = [row for day, kwh in FEBRUARY["B"].items() for row in _quarter_hours("B", dt.date(2020, 2, day), kwh)]
    ingest_readings(settings=settings, path=write(tmp_path, "b.csv", "enterprise_id,timestamp,kwh\n" + "\n".join(quarter) + "\n"),
                    kind="interval")
    compute_all(settings=settings, period=PERIOD, params=PARAMS, enterprises_too=True)


def test_new_interval_days_update_the_load_shape_flags_in_place(index_settings, tmp_path, monkeypatch):
    _store_with_an_interval_meter(index_settings, tmp_path)
    assert _by_firm(_results(index_settings)[1])["B"]["shape_days"] == 1  # the 14th

    _ingest(index_settings, tmp_path, "monday.csv", {firm: kwh for firm, kwh in NEW.items() if firm != "B"}, MONDAY)
    ingest_readings(settings=index_settings, path=write(tmp_path, "b17.csv", "enterprise_id,timestamp,kwh\n"
                                                        + "\n".join(_quarter_hours("B", MONDAY, 50)) + "\n"), kind="interval")
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["B"]["shape_days"] == 2
    assert _by_firm(rows)["A"]["first_resumption"] == dt.date(2020, 2, 13)
    _assert_as_full(index_settings, schema, rows)

    # no interval readings since: the flags are not computed again, the file is left as it is
    written = _written(index_settings)
    with monkeypatch.context() as m:
        _forbid_full(m)
        m.setattr(oneday, "_shape_statement", lambda *_, **__: pytest.fail("the flags were computed again"))
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert _written(index_settings) == written


def test_two_new_days_in_one_run_are_brought_up_to_date_in_place(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    _ingest(index_settings, tmp_path, "tuesday.csv", TUESDAY_KWH, TUESDAY)
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY, TUESDAY})
    schema, rows = _results(index_settings)
    firms = _by_firm(rows)
    # A's run of three ends on Monday (then broken), B's (14, 17, 18) on Tuesday
    assert (firms["A"]["first_resumption"], firms["B"]["first_resumption"]) == (dt.date(2020, 2, 13), dt.date(2020, 2, 14))
    _assert_as_full(index_settings, schema, rows)


def test_a_day_written_by_a_run_that_died_before_its_refresh_is_taken_up_by_the_next_run(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    with monkeypatch.context() as m:  # the day's files are written, then the process dies
        m.setattr(oneday, "refresh_enterprises", lambda *_, **__: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert _by_firm(_results(index_settings)[1])["A"]["first_resumption"] is None

    with monkeypatch.context() as m:  # the same day again: its file is not what enterprises.parquet saw
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["A"]["first_resumption"] == dt.date(2020, 2, 13)
    _assert_as_full(index_settings, schema, rows)


def test_a_period_that_starts_after_the_first_resumption_count_computes_the_results_in_full(index_settings, tmp_path, monkeypatch):
    late = Window(dt.date(2020, 2, 12), PERIOD.end)  # the count starts on the 10th: days without day files
    _store(index_settings, tmp_path)
    compute_all(settings=index_settings, period=late, params=PARAMS, enterprises_too=True)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    calls = _count_full(monkeypatch)
    compute_all(settings=index_settings, period=late, params=PARAMS, only_dates={MONDAY})
    assert calls == [1]
    assert _by_firm(_results(index_settings)[1])["A"]["first_resumption"] == dt.date(2020, 2, 13)


def test_a_full_run_without_per_enterprise_results_leaves_none_of_an_older_run(index_settings, tmp_path):
    _store(index_settings, tmp_path)
    assert oneday.enterprises_path(index_settings).exists()
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS)  # --no-enterprises
    assert not oneday.enterprises_path(index_settings).exists()



def test_new_days_run_one_after_the_other_add_to_the_changes_and_the_drill_down_reads_them(index_settings, tmp_path, monkeypatch):
    from fugong.dashboard.service import _enterprise_results

    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    file_before, _ = _written(index_settings)
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    monday = _by_firm(_enterprise_results(index_settings).to_pylist())
    assert (monday["A"]["cohort"], monday["B"]["cohort"]) == ("resumed", "not-resumed")

    _ingest(index_settings, tmp_path, "tuesday.csv", TUESDAY_KWH, TUESDAY)
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={TUESDAY})
    assert _written(index_settings)[0] == file_before
    assert sorted(row["enterprise_id"] for row in pq.read_table(oneday.changes_path(index_settings)).to_pylist()) == ["A", "B"]
    tuesday = _by_firm(_enterprise_results(index_settings).to_pylist())  # the page's cache follows the changes
    assert (tuesday["B"]["first_resumption"], tuesday["B"]["cohort"]) == (dt.date(2020, 2, 14), "resumed")
    schema, rows = _results(index_settings)
    _assert_as_full(index_settings, schema, rows)


def test_new_interval_readings_fold_the_changes_into_the_file(index_settings, tmp_path, monkeypatch):
    _store_with_an_interval_meter(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", {firm: kwh for firm, kwh in NEW.items() if firm != "B"}, MONDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert oneday.changes_path(index_settings).exists()  # A's first resumption

    _ingest(index_settings, tmp_path, "tuesday.csv", {firm: kwh for firm, kwh in TUESDAY_KWH.items() if firm != "B"}, TUESDAY)
    ingest_readings(settings=index_settings, path=write(tmp_path, "b18.csv", "enterprise_id,timestamp,kwh\n"
                                                        + "\n".join(_quarter_hours("B", TUESDAY, 50)) + "\n"), kind="interval")
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={TUESDAY})
    assert not oneday.changes_path(index_settings).exists()  # the file rewritten for the flags, with A's change in it
    file_only = _by_firm(pq.read_table(oneday.enterprises_path(index_settings)).to_pylist())
    assert file_only["A"]["first_resumption"] == dt.date(2020, 2, 13)
    schema, rows = _results(index_settings)
    _assert_as_full(index_settings, schema, rows)


def test_a_day_written_by_a_run_that_died_is_taken_up_by_a_run_for_another_day(index_settings, tmp_path, monkeypatch):
    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    with monkeypatch.context() as m:  # Monday's files are written, then the process dies
        m.setattr(oneday, "refresh_enterprises", lambda *_, **__: (_ for _ in ()).throw(KeyboardInterrupt))
        with pytest.raises(KeyboardInterrupt):
            compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})

    _ingest(index_settings, tmp_path, "tuesday.csv", TUESDAY_KWH, TUESDAY)
    with monkeypatch.context() as m:
        _forbid_full(m)
        compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={TUESDAY})
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["A"]["first_resumption"] == dt.date(2020, 2, 13)  # completed by Monday
    _assert_as_full(index_settings, schema, rows)


def test_a_full_computation_killed_after_removing_the_changes_loses_no_first_resumption(index_settings, tmp_path, monkeypatch):
    import os

    _store(index_settings, tmp_path)
    _ingest(index_settings, tmp_path, "monday.csv", NEW, MONDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={MONDAY})
    assert oneday.changes_path(index_settings).exists()
    replace = os.replace

    def killed_at_the_file(source, target):
        if str(target).endswith("enterprises.parquet"):
            raise KeyboardInterrupt
        return replace(source, target)

    with monkeypatch.context() as m:  # a holiday-core day computes the file in full; killed at its replace
        m.setattr(os, "replace", killed_at_the_file)
        with pytest.raises(KeyboardInterrupt):
            compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={dt.date(2020, 2, 3)})
    assert not oneday.changes_path(index_settings).exists()

    _ingest(index_settings, tmp_path, "tuesday.csv", TUESDAY_KWH, TUESDAY)
    compute_all(settings=index_settings, period=PERIOD, params=PARAMS, only_dates={TUESDAY})
    schema, rows = _results(index_settings)
    assert _by_firm(rows)["A"]["first_resumption"] == dt.date(2020, 2, 13)
    _assert_as_full(index_settings, schema, rows)
