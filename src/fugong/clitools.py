"""What the ``fugong`` sub-commands share when they read their options: a day given as text, and a
configuration file (a rule set, a control model) loaded by preset name or path. Either it works or the
command prints what is wrong on stderr and exits with 2 (a usage error), before anything is written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

T = TypeVar("T")
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them


def day_option(text: str | None, option: str) -> dt.date | None:
    """``--date 2020-02-20`` as a date (None when the option was not given)."""
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        err.print(f"[red]{option}: {escape(repr(text))} is not a date YYYY-MM-DD[/red]")
        raise typer.Exit(2) from None


def load_or_exit(load: Callable[[str], T], name: str, *, error: type[Exception], title: str) -> T:
    """``load(name)``; its own error class is printed under ``title`` (Chinese / English)."""
    try:
        return load(name)
    except error as exc:
        err.print(f"[red]{title}[/red]\n{escape(str(exc))}")
        raise typer.Exit(2) from None
