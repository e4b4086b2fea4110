"""Reading uploaded and ingested text files the same way everywhere, with named errors.

``read_text(path)`` / ``decode_text(raw, source=...)`` give the text of a CSV or TOML file:

- a byte-order mark decides (UTF-8, UTF-16 LE/BE);
- else UTF-8 if the bytes are UTF-8, else GB18030 (a superset of GBK, what Excel saves in China);
- a folder instead of a file, a file over ``max_bytes``, or bytes that are neither raise
  ``TextFileError`` naming the file (and the byte offset), never a traceback.

``csv_rows(text, source=...)`` yields CSV rows and turns the csv module's errors (a field over
``FIELD_LIMIT`` characters, a NUL byte) into ``TextFileError`` naming the file and the line.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from pathlib import Path

MAX_BYTES = 256 << 20  # a list or case file of this size is not one
FIELD_LIMIT = 131_072  # csv's default: a longer field is an error, named


class TextFileError(ValueError):
    """A file that cannot be read as text: the message names the file and what is wrong."""


def read_text(path: Path | str, *, max_bytes: int = MAX_BYTES) -> str:
    path = Path(path)
    try:
        if path.is_dir():
            raise TextFileError(f"{path}: is a folder, not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise TextFileError(f"{path}: {size:,} bytes is more than the {max_bytes:,} accepted")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise TextFileError(f"{path}: not found") from None
    except PermissionError:
        raise TextFileError(f"{path}: cannot be read (permission denied)") from None
    return decode_text(raw, source=str(path))


def decode_text(raw: bytes, *, source: str) -> str:
    for bom, encoding in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            try:
                return raw.decode(encoding)
            except UnicodeDecodeError as exc:
                raise TextFileError(f"{source}: not valid {encoding.upper()} (byte {exc.start:,})") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            raise TextFileError(f"{source}: neither UTF-8 nor GBK/GB18030 (first bad byte at {utf8_error.start:,}); "
                                "save the file as UTF-8") from None


def csv_rows(text: str, *, source: str) -> Iterator[tuple[int, list[str]]]:
    """(line number, fields) of every CSV row; the header is line 1."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for fields in reader:
            yield reader.line_num, fields
    except csv.Error as exc:
        raise TextFileError(f"{source}: line {max(reader.line_num, 1)}: {exc}") from None
