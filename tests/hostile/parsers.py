"""The parsers of fugong that read files or tokens from outside, registered with the hostile-input
harness (tests/hostile/harness.py). Another package's parser registers the same way, here or in a
module imported at the end of this file."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select

from fugong.access import SYSTEM, Principal
from fugong.store.db import session_scope
from tests.hostile.harness import Context, Parser, register, wide_csv_fields

ZHEJIANG_ADMIN = Principal(user_id="zj-admin", role="province_admin", region_prefix="33")


def rows_in(path) -> int:
    """Data rows of a rejects file (0 when there is none)."""
    if not path:
        return 0
    with open(path, newline="", encoding="utf-8") as fh, wide_csv_fields():
        return max(0, sum(1 for _ in csv.reader(fh)) - 1)


def count(ctx: Context, *models) -> tuple:
    with session_scope(ctx.engine) as session:
        return tuple(session.scalar(select(func.count()).select_from(m)) for m in models)


# --- authoritative lists (fugong code lists load, POST /api/code/lists) -------------------------------

def _list_seed() -> bytes:
    from tests.healthcode.helpers import make_id

    return ("kind,id_number,region_code,start_date,end_date\n"
            f"confirmed,{make_id(1)},330106,2020-02-01,\n"
            f"close_contact,{make_id(2)},330110,2020-02-03,2020-02-17\n").encode()


def _list_snapshot(ctx):
    from fugong.healthcode.models import ListEntry
    from fugong.store.audit import AuditEntry

    return count(ctx, ListEntry, AuditEntry)


def _feed_list(path: Path, ctx: Context):
    from fugong.healthcode.lists import load_list_csv
    from fugong.store.textfiles import read_text

    with session_scope(ctx.engine) as session:
        return load_list_csv(session, ZHEJIANG_ADMIN, text=read_text(path), source=path.name,
                             rejects_dir=ctx.settings.rejects_dir)


def _list_errors():
    from fugong.healthcode.lists import ListFileError
    from fugong.store.textfiles import TextFileError

    return (ListFileError, TextFileError)


register(Parser(
    name="authoritative list file", suffix=".csv", seeds=[_list_seed()], feed=_feed_list,
    named_errors=_list_errors(), snapshot=_list_snapshot,
    rejects=lambda result, ctx: (result.rejected, rows_in(result.rejects_path)),
    tokens=("confirmed", "close_contact", "quarantine", "330106199001011234", "33010619900101123X"),
))


class UploadRefused(Exception):
    """A 4xx answer: the upload was refused with a reason."""


def _client(ctx: Context):
    """The app and a Zhejiang admin's token, made once per test (before the first snapshot)."""
    from fastapi.testclient import TestClient

    client = ctx.__dict__.get("client")
    if client is None:
        from fugong.accounts import service
        from fugong.web.app import create_app

        with session_scope(ctx.engine) as session:
            service.add_user(session, actor=SYSTEM, username="zj-loader", role="province_admin", region_prefix="33")
            token = service.create_api_token(session, actor=SYSTEM, username="zj-loader", name="hostile").token
        client = ctx.__dict__["client"] = TestClient(create_app(ctx.settings))
        client.headers.update({"Authorization": f"Bearer {token}"})
    return client


def _feed_upload(path: Path, ctx: Context):
    body = b"" if path.is_dir() else path.read_bytes()
    response = _client(ctx).post("/api/code/lists", content=body)
    if response.status_code >= 500:
        raise RuntimeError(f"upload answered {response.status_code}: {response.text[:200]}")
    if response.status_code >= 400:
        raise UploadRefused(response.text[:200])
    return response.json()


register(Parser(
    name="authoritative list upload (HTTP)", suffix=".csv", seeds=[_list_seed()], feed=_feed_upload,
    named_errors=(UploadRefused,), snapshot=lambda ctx: (_client(ctx), _list_snapshot(ctx))[1],
    rejects=lambda body, ctx: (body["rejected"], rows_in(body["rejects_path"])),
))


# --- risk case files (fugong risk ingest / grade --cases) ------------------------------------------

def _feed_cases(path: Path, ctx: Context):
    from fugong.risk import services
    from fugong.risk.cases import prepare, read_cases, write_case_rejects

    frame = read_cases(path)
    rejects = write_case_rejects(frame, ctx.settings.rejects_dir, source=str(path))
    prepare(frame, population_of=None)
    with session_scope(ctx.engine) as session:
        services.ingest_cases(session, frame, principal=SYSTEM, source=str(path))
    return frame, rejects


def _cases_snapshot(ctx):
    from fugong.risk.models import RiskCase

    return count(ctx, RiskCase)


def _case_errors():
    from fugong.risk.cases import CaseFileError

    return (CaseFileError,)


register(Parser(
    name="risk case file", suffix=".csv",
    seeds=[b"region_code,date,new_confirmed,cumulative_confirmed\n330110,2020-02-01,3,3\n330106,2020-02-02,1,\n",
           "region_code,date,cumulative_confirmed,province_code,label,name\n,2020-02-01,3,330000,境外输入,\n"
           "330203,2020-02-01,9,,,海曙区\n".encode()],
    feed=_feed_cases, named_errors=_case_errors(), snapshot=_cases_snapshot,
    rejects=lambda result, ctx: (len(result[0].attrs["rejects"]), rows_in(result[1])),
    tokens=("330000", "330203", "3", "3.0", "1e3"),
))


# --- rule files (risk rule sets, health-code colour rules) ---------------------------------------------

def _preset(folder: Path, name: str) -> bytes:
    return (folder / f"{name}.toml").read_bytes()


def _risk_rules():
    from fugong.risk.rules import PRESETS_DIR, RuleSetError, load_rules

    register(Parser(
        name="risk rule file (TOML)", suffix=".toml",
        seeds=[_preset(PRESETS_DIR, "cn-national-2020"), _preset(PRESETS_DIR, "harvard-2020")],
        feed=lambda path, ctx: load_rules(path), named_errors=(RuleSetError,),
        tokens=('reason_zh = "{x.__class__.__init__.__globals__}"', "[[levels]]", "severity = 99"),
    ))


def _colour_rules():
    from fugong.healthcode.rules import PRESETS, RuleSetError, load_rule_set

    register(Parser(
        name="health-code rule file (TOML)", suffix=".toml", seeds=[_preset(PRESETS, "hangzhou-2020")],
        feed=lambda path, ctx: load_rule_set(str(path)), named_errors=(RuleSetError,),
        tokens=("[[rule]]", 'when = "fever"', "fever_threshold = 1e308", "days = -1"),
    ))


_risk_rules()
_colour_rules()


# --- signed health-code tokens (gate scans, fugong code verify) ---------------------------------------

def _feed_token(path: Path, ctx: Context):
    from fugong.healthcode.tokens import verify

    text = "" if path.is_dir() else path.read_bytes().decode("utf-8", errors="surrogateescape")
    with session_scope(ctx.engine) as session:
        result = verify(session, text)
    if result.ok and text.strip() != ctx.__dict__.get("valid_token"):
        raise AssertionError(f"an altered token verified: {text[:120]!r}")
    return result


def _token_seed() -> bytes:
    # A well-formed token (signed by a key the test database does not know: DENY_UNKNOWN_KEY).
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from fugong.healthcode.tokens import sign_token

    return sign_token(Ed25519PrivateKey.generate(), key_id="abcd1234", code_id="c0de", colour="green",
                      issued_at=1_582_170_000).encode()


register(Parser(
    name="health-code token", suffix=".txt", seeds=[_token_seed()], feed=_feed_token, named_errors=(),
    tokens=("HC1..", "HC1.e30.AAAA", "HC1." + "A" * 2000 + ".B"),
))


# --- the index's meter and enterprise files (fugong index ingest / compute) -----------------------------

from tests.hostile import index_parsers  # noqa: E402,F401  (registers them)


# --- the service workflows' spreadsheets and TOML files (enterprises, rosters, policies, the desk) ------

from tests.hostile import service_parsers  # noqa: E402,F401  (registers them)


# --- the precision control index's model files and indicator feeds ---------------------------------------

from tests.hostile import control_parsers  # noqa: E402,F401  (registers them)
