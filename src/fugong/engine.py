"""The one analytics adapter: DuckDB (embedded default) or Spark, both behind Ibis.

Domain code takes Ibis tables and returns Ibis expressions; only this module knows which engine
runs them. ``connect("duckdb")`` needs nothing; ``connect("spark")`` needs
``pip install '.[spark]'`` and Java 17, and says so clearly if either is missing.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

ENGINES = ("duckdb", "spark")


class EngineUnavailable(RuntimeError):
    """The requested engine cannot start here; the message says what to install."""


def java_version() -> int | None:
    """Major version of the ``java`` on PATH (or JAVA_HOME), None if there is none."""
    java = shutil.which("java")
    if os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        java = str(candidate) if candidate.exists() else java
    if not java:
        return None
    out = subprocess.run([java, "-version"], capture_output=True, text=True).stderr
    # e.g. 'openjdk version "17.0.15" 2025-04-15'
    for token in out.split():
        token = token.strip('"')
        if token[:1].isdigit():
            return int(token.split(".")[0])
    return None


def connect(kind: str = "duckdb", *, threads: int | None = None) -> BaseBackend:
    """An Ibis backend for ``kind`` (duckdb | spark)."""
    if kind == "duckdb":
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}")
        return con
    if kind == "spark":
        return ibis.pyspark.connect(_spark_session())
    raise EngineUnavailable(f"unknown engine {kind!r}: accepted values are {', '.join(ENGINES)}")


def cached(con: BaseBackend, table):
    """``table.cache()`` on ``con``, with the in-memory tables it reads registered first.

    Ibis 12's PySpark backend compiles a cached table straight to Spark SQL without registering the
    memtables the expression reads (its ``create_view`` and ``execute`` do register them), so a cached
    expression over a memtable — the working-day calendar of the ``workday-mean`` baseline, the lunar
    day pairs — failed with TABLE_OR_VIEW_NOT_FOUND ibis_pyarrow_memtable_…. DuckDB needs nothing.
    """
    if getattr(con, "name", "") == "pyspark":
        con._register_in_memory_tables(table)  # what con.execute does before running an expression
    return table.cache()


@lru_cache(maxsize=1)
def _spark_session():
    try:
        from pyspark.sql import SparkSession
    except ImportError:  # pragma: no cover - depends on the install
        raise EngineUnavailable("the Spark engine needs pyspark: pip install 'fugong[spark]'") from None
    from fugong.config import get_settings

    settings = get_settings()
    version = java_version()
    if version is None or version < 17:
        raise EngineUnavailable(
            f"the Spark engine needs Java 17 (found {version or 'no java'}): "
            "apt-get install openjdk-17-jre-headless, or set JAVA_HOME"
        )
    return (
        SparkSession.builder.master(settings.spark_master)
        .appName("fugong")
        # Dates are calendar days already in Asia/Shanghai; keep Spark from shifting them.
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.memory", settings.spark_driver_memory)
        .getOrCreate()
    )
