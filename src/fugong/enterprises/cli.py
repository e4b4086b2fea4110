"""``fugong enterprises``: the enterprise registry from the command line (import, sync, show)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files, rows and fields: never wrap them


@app.command("import")
def import_command(
    file: Path = typer.Argument(..., help="CSV (UTF-8 or GBK) or XLSX: enterprise_id/uscc, name, region_code, …"),
    replace: bool = typer.Option(False, "--replace", help="update stored enterprises whose row differs"),
) -> None:
    """Import enterprises into the registry; bad rows go to a rejects file (row, field, reason).

    Example: fugong enterprises import 企业名录.xlsx
    """
    from fugong.access import SYSTEM
    from fugong.enterprises.importer import import_file
    from fugong.store.db import open_store
    from fugong.tabular import TabularError

    settings, engine = open_store()
    try:
        result = import_file(engine, SYSTEM, path=file, replace=replace, rejects_dir=settings.rejects_dir)
    except TabularError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{file}: {result.rows} rows, {result.created} new, {result.updated} updated, "
                  f"{result.unchanged} unchanged, {result.rejected} rejected")
    if result.rejects_path:
        console.print(f"rejects: {result.rejects_path}", soft_wrap=True)
        for reject in result.rejects[:10]:
            err.print(f"  row {reject.row} {reject.field}: {reject.reason}")


@app.command("sync-meters")
def sync_command() -> None:
    """Add the enterprises of the meter store (fugong index ingest enterprises) missing from the registry.

    Example: fugong enterprises sync-meters
    """
    from fugong.access import SYSTEM
    from fugong.enterprises.importer import sync_from_meters
    from fugong.store.db import open_store, session_scope, write_lock

    settings, engine = open_store()
    with write_lock(engine), session_scope(engine) as session:
        added = sync_from_meters(session, SYSTEM, settings=settings)
    console.print(f"{added:,} enterprises added from meter data")


@app.command("show")
def show_command(enterprise_id: str = typer.Argument(..., help="enterprise id or USCC")) -> None:
    """Print one enterprise as JSON.

    Example: fugong enterprises show E0000001
    """
    import json

    from fugong.access import SYSTEM
    from fugong.enterprises.service import find_by_uscc, get_enterprise, view, white_lists_on
    from fugong.store.db import open_store, session_scope

    engine = open_store().engine
    with session_scope(engine) as session:
        try:
            enterprise = get_enterprise(session, SYSTEM, enterprise_id)
        except LookupError:
            enterprise = find_by_uscc(session, enterprise_id)
            if enterprise is None:
                err.print(f"[red]no enterprise {enterprise_id}[/red]")
                raise typer.Exit(1) from None
        import datetime as dt

        lists = [w.name for w in white_lists_on(session, enterprise.enterprise_id, dt.date.today())]
        console.print_json(json.dumps(view(enterprise, white_lists=lists), ensure_ascii=False))
