#!/usr/bin/env bash
# Set up and run the whole fugong test suite, as CI does:
#   bash scripts/test.sh [extra pytest arguments]
# - creates .venv and installs fugong with its test, Spark, PostgreSQL and publish extras;
# - as root (as in CI), installs Debian's postgresql, chromium, Java 17, Noto CJK fonts and Pango when missing;
# - starts a throw-away PostgreSQL server so database tests run on SQLite and PostgreSQL;
# - runs pytest; in CI (CI=true) a skipped test counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s (%s)\n' "$*" "$(date +%T)"; }

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  missing=()
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql)
  command -v chromium >/dev/null || missing+=(chromium chromium-driver)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v fc-list >/dev/null && fc-list :lang=zh | grep -q . || missing+=(fonts-noto-cjk)
  command -v pdftotext >/dev/null || missing+=(poppler-utils)  # the print tests read the printed PDF
  # fugong publish's PDF (WeasyPrint): Pango and HarfBuzz's subsetter
  ldconfig -p | grep -q 'libpangoft2-1.0.so.0' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
  ldconfig -p | grep -q 'libharfbuzz-subset.so.0' || missing+=(libharfbuzz-subset0)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
fi

say "Python environment (.venv)"
bash scripts/venv.sh test,spark,postgres,publish

say "Dependency audit"
# pip-audit looks every installed package up in a vulnerability database (PyPI's JSON API); where it
# cannot be reached, one line says the audit was skipped and why.
if ! .venv/bin/python scripts/dependency_audit.py --reachable; then
  :  # the line above says why
elif .venv/bin/python -m pip install -q 'pip-audit~=2.10.1' >/dev/null 2>&1; then
  .venv/bin/python scripts/dependency_audit.py
else
  echo "dependency audit skipped: pip-audit could not be installed from the package registry"
fi

say "Java for Spark"
if command -v java >/dev/null; then
  java -version 2>&1 | head -1
else
  echo "Java 17 not found: the Spark parity tests need it (apt-get install openjdk-17-jre-headless)."
fi

say "PostgreSQL"
if url=$(bash scripts/postgres.sh start); then
  export FUGONG_TEST_POSTGRES_URL="$url"
  echo "running database tests on SQLite and on $url"
else
  echo "no PostgreSQL server: database tests run on SQLite only (apt-get install postgresql)"
fi

say "pytest"
# Two workers by default (the reference machine has 2 cores; three were no faster: the machine is busy
# with the tests' servers, browsers and PostgreSQL too). FUGONG_TEST_WORKERS=0 runs in one process.
# loadgroup: tests marked xdist_group("…") run on one worker, so a shared session fixture (the demo
# command runs of tests/demo) is built once.
# Scratch files (pytest's tmp_path, TMPDIR) in memory where there is room: on a virtual disk a SQLite
# commit took 0.5 ms, in /dev/shm 0.03 ms. One folder per checkout; removed when every test passed.
scratch=${FUGONG_TEST_SCRATCH:-}
if [ -z "$scratch" ] && [ -d /dev/shm ] && [ -w /dev/shm ] \
   && [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt 4000000 ]; then
  scratch=/dev/shm/fugong-tests-$(printf %s "$PWD" | md5sum | cut -c1-8)
fi
pytest_args=()
if [ -n "$scratch" ]; then
  rm -rf "$scratch" && mkdir -p "$scratch/tmp"
  export TMPDIR="$scratch/tmp"
  pytest_args=(--basetemp "$scratch/pytest")
  echo "scratch files in $scratch"
fi
status=0
# --durations: the slowest tests are listed at the end of every run (the whole run must stay under
# CI's 20 minutes; this is where to look first).
.venv/bin/python -m pytest -n "${FUGONG_TEST_WORKERS:-2}" --dist loadgroup --durations=30 "${pytest_args[@]}" "$@" || status=$?
if [ -n "$scratch" ]; then
  if [ "$status" = 0 ]; then rm -rf "$scratch"; else echo "scratch files kept in $scratch"; fi
fi
exit "$status"
