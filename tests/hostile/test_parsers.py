"""Hostile input for every registered parser (tests/hostile/parsers.py): a corpus of nasty files and
property-based random input (hypothesis). Each input ends with a result — every rejected row in its
rejects file — or a named error; never a traceback, never a partial write.

Fast profile here (CI); the large one: ``FUGONG_HOSTILE_PROFILE=large pytest tests/hostile -n 0 -q``
(figures in SECURITY.md)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from tests.hostile import parsers  # noqa: F401  (registers the parsers)
from tests.hostile.harness import NASTY_VALUES, PARSERS, Context, HostileFailure, check, nasty_files


SECRET = "hostile-" + "z" * 32


def _settings(data):
    from fugong.config import load_settings

    return load_settings({"FUGONG_DATA_DIR": str(data), "FUGONG_DATABASE_URL": f"sqlite:///{data / 'f.db'}",
                          "FUGONG_SECRET_KEY": SECRET})


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory):
    """A migrated SQLite database with a signing key, made once; each test gets a copy (migrating
    per test cost ~2 s a parser, a third of the CI run)."""
    from fugong.access import SYSTEM
    from fugong.config import get_settings, use_settings
    from fugong.healthcode.tokens import ensure_signing_key
    from fugong.store.db import connect, session_scope, upgrade

    data = tmp_path_factory.mktemp("hostile-template")
    config = _settings(data)
    config.ensure_dirs()
    use_settings(config)
    engine = connect(config.resolved_database_url)
    upgrade(engine)
    with session_scope(engine) as session:
        ensure_signing_key(session, SYSTEM)
    engine.dispose()
    get_settings.cache_clear()
    return data / "f.db"


@pytest.fixture
def ctx(tmp_path, migrated_database):
    import shutil

    from fugong.config import get_settings, use_settings
    from fugong.store.db import connect
    from tests.healthcode.helpers import register_enterprises

    data = tmp_path / "data"
    config = _settings(data)
    config.ensure_dirs()
    shutil.copyfile(migrated_database, data / "f.db")
    use_settings(config)
    register_enterprises(config)
    engine = connect(config.resolved_database_url)
    context = Context(data_dir=data, settings=config, engine=engine)
    yield context
    client = context.__dict__.get("client")
    if client is not None:
        client.close()
    engine.dispose()
    get_settings.cache_clear()


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_every_nasty_file_of_the_corpus_ends_in_a_result_or_a_named_error(name, ctx):
    parser = PARSERS[name]
    failures, outcomes = [], set()
    for label, content in nasty_files(parser):
        try:
            outcomes.add(check(parser, ctx, content, label))
        except HostileFailure as failure:
            failures.append(str(failure))
    assert not failures, f"{len(failures)} failure(s):\n" + "\n\n".join(failures[:10])
    assert outcomes, "the corpus fed nothing"


def _mutations(parser):
    """A seed with a few edits: bytes cut out, nasty values or random bytes put in."""
    edit = st.tuples(st.integers(min_value=0, max_value=10_000), st.integers(min_value=0, max_value=40),
                     st.one_of(st.sampled_from([v.encode("utf-8", "surrogatepass") for v in NASTY_VALUES + parser.tokens]),
                               st.binary(max_size=20), st.sampled_from([b",", b"\n", b'"', b"\r", b"=", b"[", b"{"])))

    def apply(seed: bytes, edits) -> bytes:
        data = seed
        for at, cut, insert in edits:
            at %= len(data) + 1
            data = data[:at] + insert + data[at + cut:]
        return data

    return st.builds(apply, st.sampled_from(parser.seeds), st.lists(edit, min_size=1, max_size=6))


def _csv_rows(parser):
    """Rows of the parser's header filled with nasty values and random text (CSV formats)."""
    header = parser.seeds[0].split(b"\n", 1)[0]
    width = header.count(b",") + 1
    value = st.one_of(st.sampled_from(NASTY_VALUES + parser.tokens), st.text(max_size=30))
    row = st.lists(value, min_size=max(1, width - 1), max_size=width + 1).map(
        lambda fields: ",".join(f.replace("\n", " ") for f in fields))
    return st.lists(row, max_size=8).map(lambda rows: header + b"\n" + "\n".join(rows).encode("utf-8", "surrogatepass"))


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_random_input_ends_in_a_result_or_a_named_error(name, ctx):
    parser = PARSERS[name]
    inputs = st.one_of(st.binary(max_size=3000), _mutations(parser))
    if parser.suffix == ".csv":
        inputs = st.one_of(inputs, _csv_rows(parser))

    @settings(max_examples=parser.examples(), deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(inputs)
    def run(content):
        check(parser, ctx, content, "hypothesis")

    run()
