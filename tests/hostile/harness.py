"""Hostile input for every parser: a small registration API, a corpus of nasty files, and the check
every input must pass — a result (with every rejected row in its rejects file) or a *named* error,
never a traceback, never a partial write.

A parser registers itself in a few lines (in ``tests/hostile/parsers.py`` or a domain's own module
imported there)::

    from tests.hostile.harness import Parser, register

    register(Parser(
        name="enterprise files",
        suffix=".csv",
        seeds=[b"enterprise_id,region_code,...\\nE1,330106,...\\n"],   # good files the corpus mutates
        feed=lambda path, ctx: ingest_enterprises(settings=ctx.settings, path=path),   # run it on one file
        named_errors=(EnterpriseFileError,),                          # refusals that count as clean
        rejects=lambda result, ctx: (result.rejected, rows_in(result.rejects_path)),   # (counted, in file)
        snapshot=lambda ctx: store_fingerprint(ctx),                  # must not change on a refusal
    ))

``ctx`` (``Context``) gives a fresh data directory, settings and a migrated SQLite database per
parser test. The corpus (``nasty_files``) derives from each seed: wrong, duplicated and missing
headers, BOMs, GBK mixed with UTF-8, NUL bytes, huge fields, NaN/inf, impossible dates, codes of the
wrong length, formula and SQL strings, truncated and empty files, a folder instead of a file, UTF-16,
random bytes. Hypothesis adds random bytes and mutations of the seeds (tests/hostile/test_parsers.py).

Profiles: ``FUGONG_HOSTILE_PROFILE=ci`` (default, seconds per parser) or ``large`` (thousands of
inputs; SECURITY.md has the figures and the command). Every run counts, per parser: inputs
tried, results, named errors, crashes, partial writes, rejects lost.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIRECTORY = object()  # a corpus entry meaning "a folder where the file should be"
PROFILE = os.environ.get("FUGONG_HOSTILE_PROFILE", "ci")
EXAMPLES = {"ci": 40, "large": 1500}[PROFILE]



@contextlib.contextmanager
def wide_csv_fields(limit: int = 1 << 24):
    """Let the harness itself read the corpus's 200,000-character fields, then put the limit back:
    ``csv.field_size_limit`` is process-wide, and the parsers under test (and every later test in the
    worker) must meet their own default."""
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)

@dataclass
class Context:
    """What a parser gets: a data directory, settings, a migrated SQLite engine (one per test)."""

    data_dir: Path
    settings: Any
    engine: Any
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 10**9)))

    def new_path(self, suffix: str) -> Path:
        folder = self.data_dir / "inputs"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"input-{next(self.counter)}{suffix}"


@dataclass
class Parser:
    name: str
    suffix: str
    seeds: list[bytes]
    feed: Callable[[Path, Context], Any]
    named_errors: tuple[type[BaseException], ...]
    rejects: Callable[[Any, Context], tuple[int, int]] | None = None  # (rejected as counted, rows in the file)
    snapshot: Callable[[Context], Any] = lambda ctx: None
    tokens: tuple[str, ...] = ()  # field values worth trying in this format (codes, dates, …)
    # A slow parser (a whole store commit per input) tries fewer inputs in the CI profile: every
    # structural input (empty, folder, encodings, headers, …), field values up to ``ci_inputs`` in
    # all, and ``ci_examples`` hypothesis examples. The large profile tries everything.
    ci_inputs: int | None = None
    ci_examples: int | None = None
    # Inputs of the parser's own format that the generic corpus cannot derive (damaged workbooks,
    # zip bombs): (label, bytes) pairs, made when the corpus is walked, always tried.
    extra_inputs: Callable[[], Iterable[tuple[str, bytes]]] | None = None

    def examples(self) -> int:
        return self.ci_examples if PROFILE == "ci" and self.ci_examples is not None else EXAMPLES


PARSERS: dict[str, Parser] = {}
STATS: dict[str, Counter] = {}


def register(parser: Parser) -> Parser:
    PARSERS[parser.name] = parser
    return parser


class HostileFailure(AssertionError):
    pass


def check(parser: Parser, ctx: Context, content: bytes | object, label: str = "") -> str:
    """Feed one input; return "result" or "named error"; raise HostileFailure for a crash, a partial
    write or a lost reject."""
    stats = STATS.setdefault(parser.name, Counter())
    stats["inputs"] += 1
    path = ctx.new_path(parser.suffix)
    if content is DIRECTORY:
        path.mkdir()
    else:
        path.write_bytes(content)  # type: ignore[arg-type]
    before = parser.snapshot(ctx)
    try:
        result = parser.feed(path, ctx)
    except parser.named_errors as error:
        if len(str(error)) > 20_000:
            stats["crashes"] += 1
            raise HostileFailure(f"{parser.name} {label}: the error message is {len(str(error)):,} characters") from None
        after = parser.snapshot(ctx)
        if after != before:
            stats["partial writes"] += 1
            raise HostileFailure(f"{parser.name} {label}: refused ({error}) but the store changed: "
                                 f"{before} -> {after}") from None
        stats["named errors"] += 1
        return "named error"
    except Exception as error:  # noqa: BLE001 - anything else is a crash
        stats["crashes"] += 1
        shown = content[:300] if isinstance(content, bytes) else "<folder>"
        raise HostileFailure(f"{parser.name} {label}: {type(error).__name__} on {shown!r}\n"
                             + "".join(traceback.format_exception(error)[-6:])) from None
    stats["results"] += 1
    if parser.rejects is not None:
        counted, in_file = parser.rejects(result, ctx)
        if counted != in_file:
            stats["rejects lost"] += abs(counted - in_file)
            raise HostileFailure(f"{parser.name} {label}: {counted} rows rejected, {in_file} in the rejects file")
    return "result"


# --- the corpus ------------------------------------------------------------------------------------

NASTY_VALUES = (
    "", " ", "NaN", "nan", "inf", "-inf", "Infinity", "1e308", "-1", "0", "00000000000000000000001",
    "0001-01-01", "9999-12-31", "2020-02-30", "2020-13-01", "20200210", "2020-W07-1", "2020/02/10",
    "000000", "999999", "33010", "3301060", "３３０１０６", "１２", "٣", "=1+2", "+cmd|' /C calc'!A0",
    "-2+3", "@SUM(A1)", "\t=1", "'; DROP TABLE users; --", "\" OR 1=1 --", "<script>alert(1)</script>",
    "{x.__class__.__init__.__globals__}", "${jndi:ldap://x}", "\u202e", "\ufeff", "\x00", "😷", "张三",
    "a" * 5000, "1" * 200,
)


def _header_and_rows(seed: bytes) -> tuple[bytes, list[bytes]]:
    lines = seed.splitlines()
    return (lines[0] if lines else b""), lines[1:]


def nasty_files(parser: Parser) -> Iterator[tuple[str, bytes | object]]:
    """Named nasty inputs derived from the parser's seeds (sampled for a slow parser in CI)."""
    if PROFILE != "ci" or parser.ci_inputs is None:
        yield from _all_nasty_files(parser)
        return
    if parser.extra_inputs is not None:  # the format's own nasties (a zip bomb) are always tried
        yield from parser.extra_inputs()
    entries = list(_all_nasty_files(parser, extras=False))
    is_value = [" field " in label or " + " in label or " value " in label for label, _ in entries]
    structural = [e for e, value in zip(entries, is_value) if not value]
    values = [e for e, value in zip(entries, is_value) if value]
    structural = _spread(structural, parser.ci_inputs * 2 // 3)
    yield from structural
    yield from _spread(values, parser.ci_inputs - len(structural), rotate=True)


def _spread(entries: list, room: int, rotate: bool = False) -> list:
    """At most ``room`` entries spread evenly over the list; ``rotate`` shifts each pick by one more
    place, so that values tried field by field land in every field."""
    if room >= len(entries):
        return entries
    if room <= 0:
        return []
    step = len(entries) / room
    return [entries[(int(k * step) + (k if rotate else 0)) % len(entries)] for k in range(room)]


def _all_nasty_files(parser: Parser, extras: bool = True) -> Iterator[tuple[str, bytes | object]]:
    yield "empty file", b""
    yield "folder instead of a file", DIRECTORY
    yield "only a BOM", codecs.BOM_UTF8
    yield "random bytes", bytes(range(256)) * 4
    yield "NUL bytes", b"\x00" * 64
    if extras and parser.extra_inputs is not None:
        yield from parser.extra_inputs()
    for number, seed in enumerate(parser.seeds):
        tag = f"seed {number}"
        if not _is_text(seed):  # a binary format (Parquet): damage its bytes
            yield from _damaged(tag, seed)
            continue
        header, rows = _header_and_rows(seed)
        yield f"{tag} as given", seed
        yield f"{tag} with a UTF-8 BOM", codecs.BOM_UTF8 + seed
        yield f"{tag} in UTF-16", seed.decode("utf-8").encode("utf-16")
        yield f"{tag} in GBK", seed.decode("utf-8").encode("gbk", errors="replace")
        yield f"{tag} GBK mixed with UTF-8", seed + "中文行,宁波".encode("gbk") + b"\n" + seed[-40:]
        yield f"{tag} truncated", seed[: max(1, len(seed) // 2)]
        yield f"{tag} truncated inside a quote", seed + b'"unterminated,'
        yield f"{tag} header only", header + b"\n"
        yield f"{tag} no header", b"\n".join(rows) + b"\n"
        yield f"{tag} duplicated header", header + b"," + header.split(b",")[0] + b"\n" + b"\n".join(
            r + b",x" for r in rows) + b"\n"
        yield f"{tag} missing column", b",".join(header.split(b",")[1:]) + b"\n" + b"\n".join(
            b",".join(r.split(b",")[1:]) for r in rows) + b"\n"
        yield f"{tag} header twice", header + b"\n" + seed
        yield f"{tag} NUL inside", seed.replace(b",", b",\x00", 1)
        yield f"{tag} a 200,000-character field", seed + (rows[0].split(b",")[0] if rows else b"") + b"," + b"9" * 200_000 + b"\n"
        yield f"{tag} CRLF and lone CR", seed.replace(b"\n", b"\r\n").replace(b",", b"\r,", 1)
        yield f"{tag} 10,000 columns", header + b"," * 10_000 + b"\n"
        if rows and b"," in rows[0]:
            fields = rows[0].split(b",")
            for value in NASTY_VALUES + parser.tokens:
                for position in range(len(fields)):
                    changed = list(fields)
                    changed[position] = value.encode("utf-8", errors="surrogatepass")
                    yield f"{tag} field {position} = {value[:20]!r}", header + b"\n" + b",".join(changed) + b"\n"
        else:  # not CSV (TOML, tokens): put nasty values into the text
            text = seed.decode("utf-8")
            for value in NASTY_VALUES + parser.tokens:
                encoded = value.encode("utf-8", errors="surrogatepass")
                yield f"{tag} + {value[:20]!r}", seed + b"\n" + encoded + b"\n"
                yield f"{tag} value {value[:20]!r}", text.replace('"', '"' + value.replace('"', ""), 1).encode(
                    "utf-8", errors="surrogatepass")
            yield f"{tag} nested 30,000 deep", seed + b"\nx = " + b"[" * 30_000 + b"]" * 30_000 + b"\n"
            yield f"{tag} inline tables nested 30,000 deep", seed + b"\ny = " + b"{a=" * 30_000 + b"1" + b"}" * 30_000 + b"\n"


def _is_text(seed: bytes) -> bool:
    try:
        seed.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _damaged(tag: str, seed: bytes) -> Iterator[tuple[str, bytes]]:
    """A binary file cut short, with its magic, footer length or body bytes overwritten."""
    yield f"{tag} as given", seed
    for fraction in (0.1, 0.5, 0.9):
        yield f"{tag} cut at {fraction:.0%}", seed[: int(len(seed) * fraction)]
    yield f"{tag} without its last byte", seed[:-1]
    yield f"{tag} wrong magic", b"XXXX" + seed[4:]
    yield f"{tag} footer length 2^31", seed[:-8] + b"\xff\xff\xff\x7f" + seed[-4:]
    yield f"{tag} footer length 0", seed[:-8] + b"\x00\x00\x00\x00" + seed[-4:]
    for step in range(1, 17):
        at = len(seed) * step // 17
        yield f"{tag} byte {at} flipped", seed[:at] + bytes([seed[at] ^ 0xFF]) + seed[at + 1:]
    yield f"{tag} twice", seed + seed


def summary() -> str:
    """A table of the figures of this run, per parser and in total."""
    columns = ("inputs", "results", "named errors", "crashes", "partial writes", "rejects lost")
    lines = [f"hostile input ({PROFILE} profile): " + " | ".join(columns)]
    total = Counter()
    for name, stats in sorted(STATS.items()):
        total.update(stats)
        lines.append(f"  {name}: " + " | ".join(f"{stats[c]:,}" for c in columns))
    lines.append("  total: " + " | ".join(f"{total[c]:,}" for c in columns))
    return "\n".join(lines)
