"""Small helpers for the file side of the store (Parquet results, manifests, rule files)."""

from __future__ import annotations

import os


def file_stamp(path) -> tuple | None:
    """(modification time, inode, size) of a file or folder, None if missing: changes when it is
    rewritten, including an atomic replace (a new inode) within the file system's clock tick.
    Caches key on it to notice new data without reading it."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_ino, stat.st_size)
