"""``fugong control``: the precision control index (see docs/control.md).

Stateless:    compute (a tidy indicator file in, an index file out), models (list, show, check)
Store-backed: feeds load FILE, run --model M [--date D], show
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.markup import escape

from fugong.clitools import day_option, load_or_exit

app = typer.Typer(no_args_is_help=True)
feeds_app = typer.Typer(no_args_is_help=True, help="External indicator feeds 外部指标数据: load.")
app.add_typer(feeds_app, name="feeds")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them

OUTPUT_COLUMNS = ("region_code", "date", "index", "value", "present", "required")


def _model(name: str):
    from fugong.control.model import ModelError, load_model

    return load_or_exit(load_model, name, error=ModelError, title="模型文件错误 / model error")


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def write_results(results, out: Path, *, display: bool) -> None:
    """CSV (two decimals as published, empty when null), Parquet (decimal(9, d)) or JSON records."""
    columns = list(OUTPUT_COLUMNS) + (["display", "carried_forward"] if display else [])
    rows = [r.as_row(display=display) for r in results]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    suffix = out.suffix.lower()
    if suffix == ".csv":
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            for row in rows:
                writer.writerow([_cell(row[c]) for c in columns])
    elif suffix == ".json":
        records = [{c: (row[c] if c in ("present", "required") else (_cell(row[c]) or None)) for c in columns}
                   for row in rows]
        tmp.write_text(json.dumps(records, ensure_ascii=False, indent=1), encoding="utf-8")
    elif suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        places = max([-(r.value.as_tuple().exponent) for r in results if r.value is not None] or [2])
        number = pa.decimal128(12, places)
        fields = {"region_code": pa.string(), "date": pa.date32(), "index": pa.string(), "value": number,
                  "present": pa.int32(), "required": pa.int32(), "display": number, "carried_forward": pa.date32()}
        table = pa.table({c: pa.array([row[c] for row in rows], fields[c]) for c in columns})
        pq.write_table(table, tmp)
    else:
        err.print(f"[red]--out: {out} must end in .csv, .parquet or .json[/red]")
        raise typer.Exit(2)
    tmp.replace(out)


@app.command("compute")
def compute_command(
    model: str = typer.Option(..., "--model", help="preset name (oxcgrt-v3.6, zj-precision-control-2020) or a model TOML file"),
    indicators: Path = typer.Option(..., "--indicators", help="tidy file: region_code,date,indicator,value[,flag][,note] (.csv or .parquet)"),
    out: Path = typer.Option(..., "--out", help="FILE.csv, FILE.parquet or FILE.json"),
    display: bool = typer.Option(False, "--display", help="add the display series (last good value carried over the last days) and carried_forward"),
    as_of: Optional[str] = typer.Option(None, "--as-of", help="'today' for the recency and display rules (default: the latest date in the file)"),
) -> None:
    """Compute a model's indices from a tidy indicator file (stateless: nothing is stored).

    One output row per region, date and index: region_code, date, index, value (empty when null),
    present, required; --display adds display and carried_forward (the date the value comes from).
    Bad rows go to FILE.rejects.csv beside the output.

    Example: fugong control compute --model oxcgrt-v3.6 --indicators oxcgrt.csv --out indices.csv --display
    """
    from fugong.control.engine import compute
    from fugong.control.feeds import FeedError, read_feed, write_rejects

    chosen = _model(model)
    day = day_option(as_of, "--as-of")
    try:
        read = read_feed(indicators, model=chosen)
    except FeedError as exc:
        err.print(f"[red]指标数据错误 / indicator file error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    results = compute(chosen, read.observations, as_of=day)
    write_results(results, out, display=display)
    rejects = write_rejects(read.rejects, out.with_name(out.stem + ".rejects.csv"))
    nulls = sum(1 for r in results if r.value is None)
    console.print(f"{chosen.name}: {read.total:,} rows read, {len(read.rows):,} used, {len(read.rejects):,} rejected"
                  + (f" → {rejects}" if rejects else "")
                  + f"; {len(results):,} index values ({nulls:,} null) → {out}")
    for reject in read.rejects[:5]:
        err.print(escape(str(reject)))


@app.command("models")
def models_command(name: Optional[str] = typer.Argument(None, help="a preset or model file to check and show")) -> None:
    """List the shipped models, or check and show one (indicators, indices, rules).

    Example: fugong control models zj-precision-control-2020
    """
    from fugong.control.model import preset_names

    if name is None:
        for preset in preset_names():
            model = _model(preset)
            console.print(f"[bold]{preset}[/bold]  {model.title_zh} / {model.title_en}")
            for index in model.indices:
                console.print(f"  {index.code}: {index.zh} / {index.en} — k={index.k}, required {index.required}")
        return
    model = _model(name)
    console.print(f"[bold]{model.name}[/bold] ({model.path}, sha256 {model.digest[:12]}): {model.title_zh} / {model.title_en}")
    console.print(f"source: {model.source}")
    console.print(f"missing: score={model.missing.score}, flag={model.missing.flag}, recent_days={model.missing.recent_days}, "
                  f"recent_rule={model.missing.recent_rule}, display_days={model.missing.display_days}; "
                  f"rounding: {model.rounding.decimals} decimals, {model.rounding.mode}")
    for ind in model.indicators:
        shape = (f"ordinal 0–{ind.max}{' + flag' if ind.flag else ''}" if ind.kind == "ordinal"
                 else f"continuous {ind.lower}–{ind.upper} {ind.direction}")
        console.print(f"  {ind.code:32} {shape:28} {ind.zh} / {ind.en}" + (f"  [{ind.origin}]" if ind.origin else ""))
    for index in model.indices:
        console.print(f"  index {index.code}: {', '.join(index.indicators)} (required {index.required} of {index.k})")


@feeds_app.command("load")
def feeds_load_command(
    file: Path = typer.Argument(..., help="tidy file: region_code,date,indicator,value[,flag][,note] (.csv or .parquet)"),
) -> None:
    """Load an external indicator feed into the store (validated; idempotent; one transaction).

    Region codes must be GB/T 2260 codes; bad rows go to a rejects file under <data dir>/rejects/.
    Loading the same file twice changes nothing; a corrected file updates the rows it changes.

    Example: fugong control feeds load transport-2020-02-18.csv
    """
    from fugong.access import SYSTEM
    from fugong.control import service
    from fugong.control.feeds import FeedError
    from fugong.store.db import open_store

    settings, engine = open_store()
    try:
        summary = service.load_feed(engine, path=file, principal=SYSTEM, rejects_dir=settings.rejects_dir)
    except FeedError as exc:
        err.print(f"[red]指标数据错误 / feed error:[/red] {escape(str(exc))}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    console.print(f"{file}: {summary.rows:,} rows, {summary.inserted:,} new, {summary.updated:,} updated, "
                  f"{summary.unchanged:,} unchanged, {summary.rejected:,} rejected"
                  + (f" → {summary.rejects_path}" if summary.rejects_path else ""))


@app.command("run")
def run_command(
    model: str = typer.Option("zj-precision-control-2020", "--model", help="preset name or model TOML file"),
    date: Optional[str] = typer.Option(None, "--date", help="the day to compute up to (default FUGONG_AS_OF, else today)"),
    days: int = typer.Option(28, "--days", min=1, max=366, help="how many days up to --date to (re)compute"),
) -> None:
    """Compute fugong's own indicators, then the model over them and the loaded feeds, and store the results.

    Example: fugong control run --model zj-precision-control-2020 --date 2020-02-20
    """
    from fugong.access import SYSTEM
    from fugong.control import service
    from fugong.store.db import open_store

    chosen = _model(model)
    settings, engine = open_store()
    day = day_option(date, "--date") or settings.as_of or dt.date.today()
    try:
        summary = service.run(engine, settings=settings, model=chosen, as_of=day, principal=SYSTEM, days=days)
    finally:
        engine.dispose()
    sources = ", ".join(f"{k} {v}" for k, v in summary["sources"].items())
    console.print(f"{chosen.name} {summary['start']} … {summary['as_of']}: {summary['regions']} regions, "
                  f"{summary['results']:,} index values ({summary['null_today']} null on {summary['as_of']}); "
                  f"fugong indicators: {sources or 'none'}")


@app.command("show")
def show_command(
    model: str = typer.Option("zj-precision-control-2020", "--model"),
    date: Optional[str] = typer.Option(None, "--date"),
    prefix: str = typer.Option("", "--prefix", help="region code prefix, e.g. 3301"),
) -> None:
    """Print the stored index values of a day (display series, carried values marked *).

    Example: fugong control show --date 2020-02-20 --prefix 3301
    """
    from fugong.access import SYSTEM
    from fugong.control import service
    from fugong.store.db import open_store, session_scope

    chosen = _model(model)
    settings, engine = open_store()
    day = day_option(date, "--date") or settings.as_of or dt.date.today()
    with session_scope(engine) as session:
        rows = service.results(session, model=chosen.name, principal=SYSTEM, date=day, prefix=prefix)
    engine.dispose()
    if not rows:
        err.print(f"no results for {chosen.name} on {day}: run `fugong control run --model {chosen.name} --date {day}`")
        raise typer.Exit(1)
    for row in rows:
        shown = "—" if row["display"] is None else f"{row['display']:.2f}" + ("*" if row["carried_from"] else "")
        console.print(f"{row['region_code']}  {row['index']:24} {shown:>8}  ({row['present']}/{row['required']})")
