"""Small helpers for error messages that stay readable whatever the input.

A bad value is shown in an error message, a rejects file or a log line through ``shown(value)``:
its ``repr``, cut to a bounded length with the number of characters left out, so that a
100,000-character field costs a line, not minutes of terminal output::

    shown("x" * 100_000)   -> "'xxxxxxxx…' (+99,940 characters)"
"""

from __future__ import annotations

LIMIT = 60


def shorten(text: str, limit: int = LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    text = str(text)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… (+{len(text) - limit:,} characters)"


def shown(value: object, limit: int = LIMIT) -> str:
    """``repr(value)`` for an error message, at most about ``limit`` characters of the value."""
    if isinstance(value, str) and len(value) > limit:
        return f"{value[:limit]!r}… (+{len(value) - limit:,} characters)"
    text = repr(value)
    return shorten(text, limit + 2)
