"""The service workflows' parsers registered with the hostile-input harness: the enterprise registry's
bulk import (CSV and XLSX, ``fugong enterprises import`` and the upload page), staff rosters (CSV and
XLSX, function and upload page), resumption policy files, the desk's configuration, routing rules and
pairing plans (TOML).

Spreadsheet imports are checked beyond "a result or a named error": every data row read is counted
once — created, updated, unchanged or in the rejects file (``count in = stored + rejected``) — and
the rows the import says it created are in the database. The snapshot a refusal must leave unchanged
is the rows of the import's tables, the audit log's length and the rejects folder.

An XLSX parser gets the corpus's CSV text written as a workbook (numbers, dates and ``=`` formulas
typed as Excel types them), real XLSX bytes cut short and damaged, and workbooks built to hurt: a zip
bomb, a stray cell at column XFD, XML entity expansion and an external entity, a
sheet-less workbook (``xlsx_nasties``). A ``PK`` input is written as it is.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

from fugong.access import SYSTEM
from fugong.store.db import session_scope
from tests.hostile.harness import PROFILE, Context, Parser, register, wide_csv_fields
from tests.hostile.parsers import ZHEJIANG_ADMIN, count

ROSTER_FIRM = "E-ROSTER"

# Each import input is a whole import in a transaction (~50 ms; an upload ~100 ms): a share in CI,
# spread over the fields (tests/hostile/harness.py, ``ci_inputs``); everything in the large profile.
CI_IMPORT = {"ci_inputs": 40, "ci_examples": 8}
CI_UPLOAD = {"ci_inputs": 20, "ci_examples": 4}


# --- the rejects invariant ------------------------------------------------------------------------

def rejected_rows_in(path) -> set[int]:
    """The distinct data row numbers of a tabular rejects file (``file, row, field, value, reason``)."""
    if not path:
        return set()
    with open(path, newline="", encoding="utf-8") as fh, wide_csv_fields():
        return {int(r["row"]) for r in csv.DictReader(fh)}


def _import_rejects(result, ctx):
    """(rows read, rows accounted for): created + updated + unchanged + rows in the rejects file; and
    the rejects file holds exactly the rows the result counts as rejected."""
    in_file = rejected_rows_in(result.rejects_path)
    if in_file != {r.row for r in result.rejects}:
        return result.rejected, len(in_file)
    return result.rows, result.created + result.updated + result.unchanged + len(in_file)


def _rejects_files(ctx: Context) -> list[str]:
    folder = Path(ctx.settings.rejects_dir)
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


# --- CSV text → an XLSX workbook ------------------------------------------------------------------

NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|(?i:nan|-?inf(inity)?)")


def _typed_cell(value: str):
    """A cell as Excel would hold it: numbers as numbers, ISO dates as dates, ``=…`` as a formula."""
    if value == "":
        return None
    if NUMBER.fullmatch(value):
        number = float(value)
        return int(number) if number.is_integer() and abs(number) < 2**53 and "." not in value else number
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return value
    return value


def csv_to_xlsx(data: bytes) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = data.decode("utf-8", errors="replace")
    with wide_csv_fields():
        lines = list(csv.reader(io.StringIO(text.replace("\x00", ""), newline="")))
    book = Workbook(write_only=True)
    sheet = book.create_sheet("名录")
    for line in lines[:5000]:
        sheet.append([_typed_cell(ILLEGAL_CHARACTERS_RE.sub("", v)) for v in line[:2000]])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def as_xlsx(path: Path) -> Path:
    """The workbook a harness input stands for (a folder stays a folder, ``PK`` bytes stay as they are)."""
    target = path.with_suffix(".xlsx")
    if path.is_dir():
        target.mkdir()
        return target
    data = path.read_bytes()
    target.write_bytes(data if data.startswith(b"PK") or not data else csv_to_xlsx(data))
    return target


def _replace_member(xlsx: bytes, name: str, content: bytes, *, level: int = 6) -> bytes:
    """The workbook with one member's bytes replaced (or added)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(xlsx)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                                      compresslevel=level) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info.filename))
        target.writestr(name, content)
    return out.getvalue()


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
              b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


def _inline_row(number: int, values: list[str]) -> bytes:
    cells = "".join(f'<c r="{chr(65 + i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(values))
    return f'<row r="{number}">{cells}</row>'.encode()


def xlsx_nasties(seed_csv: bytes):
    """Workbooks built to hurt a reader, derived from a good one (labels say what each is)."""
    good = csv_to_xlsx(seed_csv)
    sheet = "xl/worksheets/sheet1.xml"
    header = seed_csv.splitlines()[0].decode().split(",")
    row = seed_csv.splitlines()[1].decode().split(",")
    head = _inline_row(1, header) + _inline_row(2, row)
    # 30 MB of rows that compress to 44 kB (ratio 700): a reader that inflates first, or walks every row, stalls
    bomb_rows = b"<row/>" * (30_000_000 // 6)
    yield "zip bomb (a 30 MB sheet in 44 kB)", _replace_member(good, sheet, SHEET_HEAD + head + bomb_rows + SHEET_TAIL,
                                                                  level=9)
    # a stray cell in the last column must not widen every row to 16,384 cells; at the last row too, it
    # makes the reader walk a million empty rows (~2 s: the large profile only)
    last = 1048576 if PROFILE != "ci" else 3
    yield f"a cell at XFD{last}", _replace_member(
        good, sheet, SHEET_HEAD + head + f'<row r="{last}"><c r="XFD{last}"><v>1</v></c></row>'.encode() + SHEET_TAIL)
    yield "dimension A1:XFD1048576", _replace_member(
        good, sheet, SHEET_HEAD.replace(b"<sheetData>", b'<dimension ref="A1:XFD1048576"/><sheetData>') + head + SHEET_TAIL)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lololololololololololol">'
              + b"".join(f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
                         for n in range(1, 10))
              + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
              + head + _inline_row(3, [row[0] + "X", "&lol9;"]) + SHEET_TAIL)
    yield "billion laughs (entity expansion)", _replace_member(good, sheet, laughs)
    external = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
                b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                + head + _inline_row(3, [row[0] + "X", "&xxe;"]) + SHEET_TAIL)
    yield "external entity (file:///etc/passwd)", _replace_member(good, sheet, external)
    yield "sheet XML cut short", _replace_member(good, sheet, (SHEET_HEAD + head)[:-20])
    yield "sheet is not XML", _replace_member(good, sheet, b"\x00\xff" * 100)
    yield "no worksheet member", _replace_member(good, "xl/worksheets/sheet1.xml", b"")
    yield "a 40,000-character inline string", _replace_member(
        good, sheet, SHEET_HEAD + head + _inline_row(3, [row[0] + "Y", "x" * 40_000]) + SHEET_TAIL)
    yield "a formula cell =cmd|' /C calc'!A0 with a cached value", _replace_member(
        good, sheet, SHEET_HEAD + head + f'<row r="3"><c r="A3" t="str"><f>cmd|\' /C calc\'!A0</f>'
                                         f'<v>=cmd|\' /C calc\'!A0</v></c></row>'.encode() + SHEET_TAIL)
    yield "cell types that lie (t=n with text, t=d with junk, t=b with 7, t=e)", _replace_member(
        good, sheet, SHEET_HEAD + head + b'<row r="3"><c r="A3" t="n"><v>abc</v></c><c r="B3" t="d"><v>junk</v></c>'
        b'<c r="C3" t="b"><v>7</v></c><c r="D3" t="e"><v>#REF!</v></c><c r="E3" t="s"><v>999999</v></c></row>'
        + SHEET_TAIL)
    yield "row numbers out of order and repeated", _replace_member(
        good, sheet, SHEET_HEAD + _inline_row(5, row) + _inline_row(1, header) + _inline_row(5, row) + SHEET_TAIL)
    yield "a CSV file named .xlsx", b"PK" + seed_csv
    yield "an encrypted (OLE) workbook", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4000


# --- enterprise registry import (fugong enterprises import, POST /enterprises/import) ----------------

def _enterprise_seed() -> bytes:
    from tests.enterprises.helpers import make_uscc

    return ("enterprise_id,uscc,name,region_code,address,latitude,longitude,industry_code,above_scale,size_class,"
            "enterprise_class,essential_supply,export,listed,key_project,contact_email\n"
            f"R1,{make_uscc(101, '330106')},杭州某厂,330106,西湖区某路1号,30.25,120.13,C3731,是,large,industrial,"
            "1,0,false,no,a@b.cn\n"
            f"R2,{make_uscc(102, '330203')},宁波某店,330203,,,,F,否,small,,0,1,,,\n"
            f",{make_uscc(103, '330110')},余杭某公司,330110,,,,,,微型,,,,,,\n").encode()


ENTERPRISE_CHINESE = ("企业编号,统一社会信用代码,企业名称,行政区划代码,行业代码,规上,企业规模\n"
                      "C1,,温州某鞋厂,330302,C1951,规上,中型\n").encode()
ENTERPRISE_TOKENS = ("330106", "330100", "330000", "110101", "000000", "999999", "91330106MA27XXXX1X",
                     "91330106000001010X", "C3731", "C", "Z", "C99999", "large", "微型", "huge", "white_list",
                     "是", "√", "maybe", "90.0001", "-180", "1e400", "a@b", "x@y.cn", "R1", "R2")


def _enterprise_state(ctx: Context):
    from fugong.enterprises.models import Enterprise
    from fugong.store.audit import AuditEntry

    return count(ctx, Enterprise, AuditEntry), _rejects_files(ctx)


def _stored_enterprises(ctx: Context) -> int:
    from fugong.enterprises.models import Enterprise

    return count(ctx, Enterprise)[0]


def _checked_import(run, ctx: Context):
    """Run an import and check that the rows it says it created are in the registry."""
    before = _stored_enterprises(ctx)
    result = run()
    added = _stored_enterprises(ctx) - before
    if added != result.created:
        raise AssertionError(f"the import says {result.created} created, the registry grew by {added}")
    return result


def _feed_enterprises(xlsx: bool):
    def feed(path: Path, ctx: Context):
        from fugong.enterprises.importer import import_file

        source = as_xlsx(path) if xlsx else path
        return _checked_import(lambda: import_file(ctx.engine, ZHEJIANG_ADMIN, path=source, replace=True,
                                                   rejects_dir=ctx.settings.rejects_dir), ctx)

    return feed


def _tabular_errors():
    from fugong.tabular import TabularError

    return (TabularError,)


for _xlsx in (False, True):
    register(Parser(
        name=f"enterprise registry import ({'XLSX' if _xlsx else 'CSV'}, fugong enterprises import)", suffix=".csv",
        seeds=[_enterprise_seed(), ENTERPRISE_CHINESE] + ([csv_to_xlsx(_enterprise_seed())] if _xlsx else []),
        feed=_feed_enterprises(_xlsx), named_errors=_tabular_errors(), rejects=_import_rejects,
        snapshot=_enterprise_state, tokens=ENTERPRISE_TOKENS, **CI_IMPORT,
        extra_inputs=(lambda: xlsx_nasties(_enterprise_seed())) if _xlsx else None))


class CommandRefused(Exception):
    """The command ended with exit code 1 or 2 and a message on stderr."""


def _feed_enterprises_cli(path: Path, ctx: Context):
    """``fugong enterprises import FILE --replace`` through its CLI (settings from ctx)."""
    from typer.testing import CliRunner

    from fugong.enterprises.cli import app

    before = _stored_enterprises(ctx)
    rejects_before = set(_rejects_files(ctx))
    result = CliRunner().invoke(app, ["import", str(path), "--replace"])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    if result.exit_code in (1, 2):
        message = result.stderr.strip()
        if not message or "Traceback" in message or str(path.name) not in message:
            raise AssertionError(f"exit {result.exit_code} without a message naming the file: {message[:300]!r}")
        raise CommandRefused(message)
    if result.exit_code != 0:
        raise AssertionError(f"exit code {result.exit_code}: {result.output[:300]}")
    numbers = re.search(r"(\d+) rows, (\d+) new, (\d+) updated, (\d+) unchanged, (\d+) rejected", result.stdout)
    if numbers is None:
        raise AssertionError(f"no counts in the output: {result.stdout[:300]!r}")
    rows, created, updated, unchanged, rejected = map(int, numbers.groups())
    if _stored_enterprises(ctx) - before != created:
        raise AssertionError(f"the command says {created} new, the registry grew by {_stored_enterprises(ctx) - before}")
    new_files = sorted(set(_rejects_files(ctx)) - rejects_before)
    in_file = sum(len(rejected_rows_in(Path(ctx.settings.rejects_dir) / f)) for f in new_files)
    if in_file != rejected:
        return rejected, in_file
    return rows, created + updated + unchanged + in_file


register(Parser(
    name="enterprise registry import (CLI, CSV)", suffix=".csv", seeds=[_enterprise_seed()],
    feed=_feed_enterprises_cli, named_errors=(CommandRefused,), rejects=lambda counts, ctx: counts,
    snapshot=_enterprise_state, tokens=ENTERPRISE_TOKENS, ci_inputs=16, ci_examples=4))


# --- uploads (multipart) through the app ---------------------------------------------------------

class UploadRefused(Exception):
    """A 4xx answer with a reason."""


def _app(ctx: Context):
    """A test client signed in as a Zhejiang admin (made once per test, before the first snapshot)."""
    client = ctx.__dict__.get("client")
    if client is None:
        from fastapi.testclient import TestClient

        from fugong.accounts import service
        from fugong.web.app import create_app

        with session_scope(ctx.engine) as session:
            service.add_user(session, actor=SYSTEM, username="zj-uploader", role="province_admin", region_prefix="33")
            token = service.create_api_token(session, actor=SYSTEM, username="zj-uploader", name="hostile").token
        client = ctx.__dict__["client"] = TestClient(create_app(ctx.settings))
        client.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/json"})
    return client


def _upload(url: str, path: Path, ctx: Context, *, xlsx: bool, data: dict | None = None) -> dict:
    name = "名录.xlsx" if xlsx else "名录.csv"
    body = b"" if path.is_dir() else (as_xlsx(path).read_bytes() if xlsx else path.read_bytes())
    rejects_before = set(_rejects_files(ctx))
    response = _app(ctx).post(url, files={"file": (name, body)}, data=data or {})
    if response.status_code >= 500:
        raise RuntimeError(f"the upload answered {response.status_code}: {response.text[:300]}")
    if response.status_code >= 400:
        detail = response.text
        if "Traceback" in detail:
            raise AssertionError(f"a traceback in the answer: {detail[:300]}")
        raise UploadRefused(detail[:300])
    answer = response.json()
    new_files = sorted(set(_rejects_files(ctx)) - rejects_before)
    answer["_in_file"] = sum(len(rejected_rows_in(Path(ctx.settings.rejects_dir) / f)) for f in new_files)
    return answer


def _answer_rejects(answer: dict, ctx):
    if answer["rejected"] != answer["_in_file"]:
        return answer["rejected"], answer["_in_file"]
    shown = {r["row"] for r in answer["rejects"]}
    if len(shown) != min(answer["rejected"], len(shown)) or (answer["rejected"] <= 100 and len(shown) != answer["rejected"]):
        return answer["rejected"], len(shown)
    return answer["rows"], answer["created"] + answer["updated"] + answer["unchanged"] + answer["_in_file"]


def _feed_enterprise_upload(xlsx: bool):
    def feed(path: Path, ctx: Context):
        before = _stored_enterprises(ctx)
        answer = _upload("/enterprises/import", path, ctx, xlsx=xlsx, data={"replace": "true"})
        if _stored_enterprises(ctx) - before != answer["created"]:
            raise AssertionError(f"the answer says {answer['created']} created, the registry grew by "
                                 f"{_stored_enterprises(ctx) - before}")
        return answer

    return feed


for _xlsx in (False, True):
    register(Parser(
        name=f"enterprise registry upload ({'XLSX' if _xlsx else 'CSV'}, POST /enterprises/import)", suffix=".csv",
        seeds=[_enterprise_seed()] + ([csv_to_xlsx(_enterprise_seed())] if _xlsx else []),
        feed=_feed_enterprise_upload(_xlsx), named_errors=(UploadRefused,), rejects=_answer_rejects,
        snapshot=lambda ctx: (_app(ctx), _enterprise_state(ctx))[1], tokens=ENTERPRISE_TOKENS, **CI_UPLOAD))


# --- staff rosters (import_roster, POST /enterprises/{id}/roster) ------------------------------------

def _roster_seed() -> bytes:
    from tests.healthcode.helpers import make_id

    return ("employee_no,name,id_number,post,safety_critical,certificate,status,origin_region,planned_return\n"
            f"A001,张三,{make_id(1)},安全主管,是,安全管理负责人,在岗,330106,\n"
            f"A002,李四,{make_id(2)},操作工,否,,隔离中,420102,2020-02-20\n"
            f"A003,王五,,电工,1,特种作业人员,on_site,,2020/02/17\n").encode()


ROSTER_CHINESE = "工号,姓名,身份证号,岗位,状态\nB1,赵六,,仓管,未返岗\n".encode()
ROSTER_TOKENS = ("A001", "在岗", "远程办公", "离职", "患病", "left", "safety_manager", "特种作业人员", "是", "否", "√",
                 "420102", "420100", "2020-02-20", "2020/2/20", "33010619900101123X", "110101199003077777")


def _ensure_roster_firm(ctx: Context) -> None:
    if ctx.__dict__.get("roster_firm"):
        return
    from fugong.enterprises.service import register_enterprise
    from tests.enterprises.helpers import make_uscc

    with session_scope(ctx.engine) as session:
        register_enterprise(session, SYSTEM, enterprise_id=ROSTER_FIRM, name="花名册测试企业", region_code="330106",
                            uscc=make_uscc(4242, "330106"))
    ctx.__dict__["roster_firm"] = True


def _roster_state(ctx: Context):
    from fugong.resumption.models import Employee, EmployeeEvent
    from fugong.store.audit import AuditEntry

    _ensure_roster_firm(ctx)
    return count(ctx, Employee, EmployeeEvent, AuditEntry), _rejects_files(ctx)


def _employees(ctx: Context) -> int:
    from fugong.resumption.models import Employee

    return count(ctx, Employee)[0]


def _feed_roster(xlsx: bool):
    def feed(path: Path, ctx: Context):
        from fugong.resumption.roster import import_roster

        source = as_xlsx(path) if xlsx else path
        before = _employees(ctx)
        with session_scope(ctx.engine) as session:
            result = import_roster(session, ZHEJIANG_ADMIN, enterprise_id=ROSTER_FIRM, path=source,
                                   effective_on=dt.date(2020, 2, 10), rejects_dir=ctx.settings.rejects_dir)
        if _employees(ctx) - before != result.created:
            raise AssertionError(f"the import says {result.created} created, the roster grew by {_employees(ctx) - before}")
        _no_clear_id_numbers(result.rejects_path)
        return result

    return feed


ID_NUMBER = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def _no_clear_id_numbers(path) -> None:
    """A roster's rejects file never holds a valid ID number (GB 11643) in clear: it masks them."""
    from stdnum.cn import ric

    if path and any(ric.is_valid(found) for found in ID_NUMBER.findall(Path(path).read_text(encoding="utf-8"))):
        raise AssertionError(f"an ID number in clear in the rejects file {path}")


for _xlsx in (False, True):
    register(Parser(
        name=f"staff roster import ({'XLSX' if _xlsx else 'CSV'})", suffix=".csv",
        seeds=[_roster_seed(), ROSTER_CHINESE] + ([csv_to_xlsx(_roster_seed())] if _xlsx else []),
        feed=_feed_roster(_xlsx), named_errors=_tabular_errors(), rejects=_import_rejects, snapshot=_roster_state,
        tokens=ROSTER_TOKENS, **CI_IMPORT, extra_inputs=(lambda: xlsx_nasties(_roster_seed())) if _xlsx else None))


def _feed_roster_upload(xlsx: bool):
    def feed(path: Path, ctx: Context):
        before = _employees(ctx)
        answer = _upload(f"/enterprises/{ROSTER_FIRM}/roster", path, ctx, xlsx=xlsx, data={"date": "2020-02-10"})
        if _employees(ctx) - before != answer["created"]:
            raise AssertionError(f"the answer says {answer['created']} created, the roster grew by {_employees(ctx) - before}")
        return answer

    return feed


for _xlsx in (False, True):
    register(Parser(
        name=f"staff roster upload ({'XLSX' if _xlsx else 'CSV'}, POST /enterprises/{{id}}/roster)", suffix=".csv",
        seeds=[_roster_seed()] + ([csv_to_xlsx(_roster_seed())] if _xlsx else []),
        feed=_feed_roster_upload(_xlsx), named_errors=(UploadRefused,), rejects=_answer_rejects,
        snapshot=lambda ctx: (_app(ctx), _roster_state(ctx))[1], tokens=ROSTER_TOKENS, **CI_UPLOAD))


# --- TOML: resumption policies, the desk's configuration, routing rules, pairing plans ---------------

WRONG_VALUES = (5, -1, "x", "", [1], [[1]], {"a": 1}, True, float("nan"), float("inf"), 1e308,
                dt.date(2020, 2, 30 - 1), dt.datetime(2020, 2, 17, 10, 0))


def _toml_value(value) -> str:
    import json
    import math

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return "{" + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + "}"


def _toml_document(data: dict) -> bytes:
    return "".join(f"{json_key(k)} = {_toml_value(v)}\n" for k, v in data.items()).encode()


def json_key(key: str) -> str:
    import json

    return json.dumps(str(key), ensure_ascii=False)


def toml_type_confusion(seed: bytes):
    """The seed with each value (top level, in its tables, in the first table of each list) replaced by
    a value of another type: a table where a list is due, text where a number is, NaN, a date-time."""
    import tomllib

    from tests.hostile.harness import _spread

    data = tomllib.loads(seed.decode("utf-8"))
    paths = []
    for key, value in data.items():
        paths.append((key,))
        if isinstance(value, dict):
            paths += [(key, sub) for sub in value]
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            paths += [(key, 0, sub) for sub in value[0]]
    entries = []
    for path in paths:
        for wrong in WRONG_VALUES:
            changed = __import__("copy").deepcopy(data)
            target = changed
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = wrong
            label = ".".join(str(p) for p in path)
            entries.append((f"type confusion {label} = {_toml_value(wrong)[:20]}", _toml_document(changed)))
    return entries if PROFILE != "ci" else _spread(entries, 40, rotate=True)


def _policy_parser():
    from fugong.resumption.policies import PRESETS, PolicyError, load_policy, preset_names

    register(Parser(
        name="resumption policy file (TOML)", suffix=".toml",
        seeds=[(PRESETS / f"{name}.toml").read_bytes() for name in preset_names()],
        feed=lambda path, ctx: load_policy(path), named_errors=(PolicyError,),
        extra_inputs=lambda: [e for name in preset_names()
                              for e in toml_type_confusion((PRESETS / f"{name}.toml").read_bytes())],
        tokens=('mode = "review"', "version = -1", 'version = "x"', "rate = 1e308", "rate = nan", "[[periods]]",
                'starts_on = "2020-02-30"', "starts_on = 2020-02-17", "staff_green_share = \"all\"",
                "classes = [\"nobody\"]", "[sampling.level_weights]", "[pledge]", "size_in = 7", "any_class = \"x\"",
                "seed = 1", "confirm_after_days = -3", "risk_staff_weight = inf"),
    ))


def _desk_config_parser():
    from fugong.desk.settings import DEFAULT, DeskConfigError, load_desk_config

    register(Parser(
        name="desk configuration file (TOML)", suffix=".toml", seeds=[DEFAULT.read_bytes()],
        feed=lambda path, ctx: load_desk_config(path), named_errors=(DeskConfigError,),
        extra_inputs=lambda: toml_type_confusion(DEFAULT.read_bytes()),
        tokens=("[[categories]]", 'key = "labour"', "due_workdays = 0", "due_workdays = 1e9", "due_workdays = true",
                "amounts = \"yes\"", "closures = [\"nowhere\"]", "closures = \"x\"", "[escalation]",
                "head_after_workdays = -1", "escalation = 3", "categories = 5"),
    ))


ROUTING_SEED = b"""# Wuhu's routing (tests/desk/helpers.py units)
[[rules]]
category = "funding"
region_prefix = "3402"
department = "WH-JRB"

[[rules]]
category = "*"
region_prefix = ""
department = "WH-JTJ"

[[rules]]
category = "funding"
region_prefix = "340203"
department = "WH-JRB"
[rules.conditions]
min_amount_yuan = 10000000
above_scale = true
industry_prefix = "C"
"""

PAIRING_SEED = b"""[[leader]]
username = "wh-leader-1"
enterprises = ["E-WH-1", "E-WH-2"]

[[department]]
username = "wh-rsj-1"
unit = "WH-RSJ"
key_projects = true
region_prefix = "3402"

[[grid]]
area = "WH-G1"
username = "wh-grid-1"
"""


def _ensure_desk_world(ctx: Context) -> None:
    if ctx.__dict__.get("desk_world"):
        return
    from tests.desk.helpers import build_world

    with session_scope(ctx.engine) as session:
        build_world(session)
    ctx.__dict__["desk_world"] = True


def _desk_state(ctx: Context):
    from fugong.desk.models import Pairing, RoutingRule, RoutingSet
    from fugong.store.audit import AuditEntry

    _ensure_desk_world(ctx)
    return count(ctx, RoutingSet, RoutingRule, Pairing, AuditEntry)


def _feed_routing(path: Path, ctx: Context):
    from fugong.desk import routing

    rules = routing.parse_rules_file(path)
    with session_scope(ctx.engine) as session:
        return routing.publish(session, SYSTEM, rules=rules, reason="hostile input", source=str(path)).version


def _feed_pairing(path: Path, ctx: Context):
    from fugong.desk import pairing

    plan = pairing.parse_plan(path)
    with session_scope(ctx.engine) as session:
        return pairing.apply_plan(session, SYSTEM, plan=plan, source=str(path))


def _desk_parsers():
    from fugong.desk.routing import RoutingError
    from fugong.desk.service import DeskError

    register(Parser(
        name="desk routing rules (TOML, fugong desk routing publish)", suffix=".toml", seeds=[ROUTING_SEED],
        feed=_feed_routing, named_errors=(RoutingError,), snapshot=_desk_state,
        extra_inputs=lambda: toml_type_confusion(ROUTING_SEED), ci_inputs=60, ci_examples=20,
        tokens=('category = "nope"', 'region_prefix = "34020x"', 'region_prefix = 340203', 'department = "WH-FGW"',
                "department = 7", "min_amount_yuan = nan", "min_amount_yuan = inf", "above_scale = 1",
                "[rules.conditions]", "conditions = 3", "rules = 5", "[[rules]]"),
    ))
    register(Parser(
        name="desk pairing plan (TOML, fugong desk pairing apply)", suffix=".toml", seeds=[PAIRING_SEED],
        feed=_feed_pairing, named_errors=(DeskError,), snapshot=_desk_state,
        extra_inputs=lambda: toml_type_confusion(PAIRING_SEED), ci_inputs=60, ci_examples=20,
        tokens=('username = ""', "username = 5", 'enterprises = ["nobody"]', 'enterprises = "E-WH-1"',
                'area = "nowhere"', 'unit = "NOPE"', "key_projects = 1", "leader = 3", "[[grid]]", "region_prefix = 34"),
    ))


_policy_parser()
_desk_config_parser()
_desk_parsers()


# --- a supplier list pasted into the bundle form (POST /resumption/bundles) ------------------------------

def _bundle_seed() -> bytes:
    from tests.enterprises.helpers import make_uscc

    return (f"uscc,name\n{make_uscc(501, '330110')},余杭某配件厂\n{make_uscc(502, '330203')}\t宁波某模具厂\n"
            f"{make_uscc(503, '330302')}\n").encode()


def _bundle_state(ctx: Context):
    from fugong.enterprises.models import Enterprise
    from fugong.resumption.models import Bundle, Filing
    from fugong.store.audit import AuditEntry

    _ensure_roster_firm(ctx)
    _app(ctx)
    return count(ctx, Bundle, Filing, Enterprise, AuditEntry)


def _feed_bundle(path: Path, ctx: Context):
    """The file's text as the form's supplier list: all or nothing (a bad supplier refuses the bundle)."""
    from fugong.resumption.models import Bundle

    text = "" if path.is_dir() else path.read_bytes().decode("utf-8", errors="replace")
    before = count(ctx, Bundle)[0]
    response = _app(ctx).post("/resumption/bundles", data={
        "suppliers": text, "planned_start": "2020-02-20", "lead_enterprise_id": ROSTER_FIRM})
    if response.status_code >= 500:
        raise RuntimeError(f"the form answered {response.status_code}: {response.text[:300]}")
    if response.status_code >= 400:
        if "Traceback" in response.text:
            raise AssertionError(f"a traceback in the answer: {response.text[:300]}")
        raise UploadRefused(response.text[:300])
    if count(ctx, Bundle)[0] != before + 1:
        raise AssertionError("the form answered success but no bundle was stored")
    return response.json()


register(Parser(
    name="supplier list of a bundle (pasted, POST /resumption/bundles)", suffix=".csv", seeds=[_bundle_seed()],
    feed=_feed_bundle, named_errors=(UploadRefused,), snapshot=_bundle_state,
    tokens=("91330110000005011X", "91110101000000001X", "uscc", "USCC", "\t"), **CI_UPLOAD))
