"""``fugong publish --date D --out DIR [--lang zh|en]``: write the day's bundle as a new version."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

console = Console()
err = Console(stderr=True, soft_wrap=True)


def publish_command(
    date: Optional[str] = typer.Option(None, "--date", help="the day to publish (default FUGONG_AS_OF, else today)"),
    out: Path = typer.Option(..., "--out", help="folder of bundles: DIR/<date>/v<N>/ is written (earlier versions kept)"),
    lang: str = typer.Option("zh", "--lang", help="zh or en"),
    png: bool = typer.Option(True, "--png/--no-png", help="rasterise the map with Chromium (needs Debian's chromium)"),
) -> None:
    """Write the daily publication: risk map (SVG, PNG) with its changes and rule, the resumption index
    tables by city, county and industry with counts and denominators, the control index and quadrant,
    as print-ready HTML and PDF plus CSVs, with a manifest of files, data and rule versions.

    Example: fugong publish --date 2020-02-20 --out fugong-data/publications
    """
    from fugong.clitools import day_option
    from fugong.config import get_settings
    from fugong.publish.bundle import publish_bundle
    from fugong.store.db import open_store

    if lang not in ("zh", "en"):
        err.print(f"[red]--lang: {lang!r} is not zh or en[/red]")
        raise typer.Exit(2)
    settings = get_settings()
    day = day_option(date, "--date") or settings.as_of or dt.date.today()
    engine = open_store().engine
    try:
        result = publish_bundle(settings=settings, engine=engine, date=day, out=out, lang=lang, png=png)
    finally:
        engine.dispose()
    console.print(f"{result.folder} (v{result.version}, {len(result.files)} files, {result.seconds:.1f} s)")
    for note in result.notes:
        err.print(escape(note))
