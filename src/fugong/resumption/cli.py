"""``fugong resumption``: the daily report, report freezes, roster import, bundle groups, policies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from fugong.clitools import day_option

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)


@app.command("report")
def report_command(
    date: str = typer.Option(..., "--date", help="the day, YYYY-MM-DD (counts as of its end, Asia/Shanghai)"),
    by: str = typer.Option("county", "--by", help="province | city | county"),
    out: Path = typer.Option(..., "--out", help="CSV, or XLSX by the file's suffix"),
    version: Optional[int] = typer.Option(None, "--version", min=1, help="an earlier frozen version"),
    region: str = typer.Option("", "--region", help="GB/T 2260 prefix to restrict to, e.g. 3301"),
) -> None:
    """Write the daily report: the latest frozen version of the day, or live figures if it is not frozen.

    Columns: date, level, code, name, enterprises, filed, approved, resumed_declared, resumed_metered,
    staff, staff_on_site, key_projects, key_projects_resumed.
    Example: fugong resumption report --date 2020-02-20 --by city --out report.xlsx
    """
    from fugong.access import SYSTEM
    from fugong.resumption.report import COLUMNS, LEVELS, report_for
    from fugong.store.db import open_store, session_scope
    from fugong.tabular import TabularError, write_table

    day = day_option(date, "--date")
    if by not in LEVELS:
        err.print(f"[red]--by {by!r} is not valid: accepted values are {', '.join(LEVELS)}[/red]")
        raise typer.Exit(2)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"[red]--out {out}: the file must end in .csv or .xlsx[/red]")
        raise typer.Exit(2)
    settings, engine = open_store()
    with session_scope(engine) as session:
        try:
            report = report_for(session, SYSTEM, day=day, level=by, settings=settings, version=version,
                                region_prefix=region)
        except LookupError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(1) from None
    try:
        write_table(out, COLUMNS, report["rows"])
    except TabularError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    state = (f"frozen version {report['version']} of {len(report['versions'])} ({report['frozen_at']})"
             if report["frozen"] else "live figures (the day is not frozen)")
    console.print(f"{out}: {len(report['rows'])} {by} rows for {day.isoformat()}, {state}", soft_wrap=True)


@app.command("freeze")
def freeze_command(date: str = typer.Option(..., "--date", help="the day to freeze, YYYY-MM-DD"),
                   reason: Optional[str] = typer.Option(None, help="why (default: frozen / late correction)")) -> None:
    """Freeze the day's report now (a new version only if the figures changed since the last one).

    Example: fugong resumption freeze --date 2020-02-20
    """
    from fugong.resumption.report import freeze_day
    from fugong.store.db import open_store, session_scope, write_lock

    day = day_option(date, "--date")
    settings, engine = open_store()
    with write_lock(engine), session_scope(engine) as session:
        version, created = freeze_day(session, day=day, settings=settings, actor="system:cli", reason=reason)
    console.print(f"{day.isoformat()}: version {version} {'frozen' if created else 'unchanged (same figures)'}")


@app.command("import-roster")
def import_roster_command(
    enterprise: str = typer.Option(..., "--enterprise", help="the enterprise id"),
    file: Path = typer.Argument(..., help="CSV or XLSX: 工号, 姓名, 身份证号, 岗位, 证书类型, 状态, 来源地, 计划返岗日期"),
    date: Optional[str] = typer.Option(None, "--date", help="the day the statuses are effective (default today)"),
) -> None:
    """Load an enterprise's staff roster; bad rows go to a rejects file (ID numbers masked).

    Example: fugong resumption import-roster --enterprise E0000001 花名册.xlsx
    """
    from fugong.access import SYSTEM
    from fugong.resumption.roster import import_roster
    from fugong.store.db import open_store, session_scope, write_lock
    from fugong.tabular import TabularError

    day = day_option(date, "--date") if date else dt.date.today()
    settings, engine = open_store()
    try:
        with write_lock(engine), session_scope(engine) as session:
            result = import_roster(session, SYSTEM, enterprise_id=enterprise, path=file, effective_on=day,
                                   rejects_dir=settings.rejects_dir)
    except (TabularError, LookupError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"{file}: {result.rows} rows, {result.created} new, {result.updated} updated, "
                  f"{result.unchanged} unchanged, {result.rejected} rejected")
    if result.rejects_path:
        console.print(f"rejects: {result.rejects_path}", soft_wrap=True)


@app.command("bundle-groups")
def bundle_groups_command(out: Path = typer.Option(..., "--out", help="CSV or Parquet: group_id, enterprise_id")) -> None:
    """Write the members of every bundle as groups for `fugong index compute --by group --groups FILE`.

    Example: fugong resumption bundle-groups --out bundles.parquet
    """
    from fugong.access import SYSTEM
    from fugong.resumption.bundles import bundle_groups
    from fugong.store.db import open_store, session_scope

    engine = open_store().engine
    with session_scope(engine) as session:
        rows = bundle_groups(session, SYSTEM)
    if out.suffix.lower() == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        pq.write_table(pa.table({"group_id": [r["group_id"] for r in rows],
                                 "enterprise_id": [r["enterprise_id"] for r in rows]}), out)
    else:
        from fugong.tabular import write_table

        write_table(out, ["group_id", "enterprise_id"], rows)
    console.print(f"{out}: {len(rows)} members of {len({r['group_id'] for r in rows})} bundles")


@app.command("policies")
def policies_command(name: Optional[str] = typer.Argument(None, help="a preset name or TOML file to show")) -> None:
    """List the filing policy presets, or show one as JSON.

    Example: fugong resumption policies periods-wenzhou-2020
    """
    import json

    from fugong.resumption.policies import PolicyError, load_policy, preset_names

    if name is None:
        for preset in preset_names():
            policy = load_policy(preset)
            console.print(f"{preset}: {policy.title_zh} / {policy.title_en} ({policy.mode})")
        return
    try:
        console.print_json(json.dumps(load_policy(name).as_dict(), ensure_ascii=False))
    except PolicyError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
