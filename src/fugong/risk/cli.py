"""``fugong risk``: ingest cases, grade regions, list changes, export the map (see docs/risk.md)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console

from fugong.clitools import day_option, load_or_exit

app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them


def _rules(name: str):
    from fugong.risk.rules import RuleSetError, load_rules

    return load_or_exit(load_rules, name, error=RuleSetError, title="规则文件错误 / rule-set error")


def _read(cases: Path):
    """The good rows of a case file; rejected rows go to a rejects file (named), never lost."""
    from fugong.config import get_settings
    from fugong.risk.cases import CaseFileError, read_cases, write_case_rejects

    rejects_dir = get_settings().rejects_dir
    try:
        frame = read_cases(cases)
    except CaseFileError as exc:
        path = write_case_rejects([i for i in exc.issues if i.row > 1], rejects_dir, source=str(cases))
        err.print(f"[red]病例数据错误 / case data error[/red]\n{exc}")
        if path:
            err.print(f"rejects: {path}")
        raise typer.Exit(2) from None
    issues = frame.attrs.get("rejects", [])
    if issues:
        path = write_case_rejects(frame, rejects_dir, source=str(cases))
        err.print(f"[yellow]{len(issues)} row(s) rejected[/yellow] (first: {issues[0]}); rejects: {path}")
    return frame


def _prepared(cases: Path | None):
    """Prepared cases from a file, or from the store when no file is given."""
    from fugong.risk.cases import prepare

    if cases is not None:
        frame = _read(cases)
        return prepare(frame, source=str(cases))
    from fugong.access import SYSTEM
    from fugong.config import get_settings
    from fugong.risk import services
    from fugong.store.db import connect, session_scope

    engine = connect(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        frame = services.case_frame(session, principal=SYSTEM)
    engine.dispose()
    if frame.empty:
        err.print("[red]no cases in the store: run `fugong risk ingest --cases FILE` or pass --cases[/red]")
        raise typer.Exit(2)
    return prepare(frame, source="store")


def _graded(cases: Path | None, rules_name: str, start: dt.date | None, end: dt.date | None):
    from fugong.risk.cases import name_of
    from fugong.risk.grading import grade

    prepared = _prepared(cases)
    rules = _rules(rules_name)
    graded = grade(prepared.daily, rules, start=start, end=end)
    if not graded.empty:
        graded.insert(1, "name", [name_of(c, prepared) for c in graded["region_code"]])
    return prepared, rules, graded


@app.command("presets")
def presets_command() -> None:
    """List the shipped rule sets with their levels and sources.

    Example: fugong risk presets
    """
    from fugong.risk.rules import load_rules, preset_names

    for name in preset_names():
        rules = load_rules(name)
        levels = " / ".join(f"{lv.zh}" for lv in rules.levels)
        console.print(f"[bold]{name}[/bold] ({rules.rule.type}, every {rules.cadence_days} d): {rules.title_zh}\n"
                      f"  {levels}\n  {rules.source}")


@app.command("ingest")
def ingest_command(cases: Path = typer.Option(..., "--cases", help="tidy case CSV (docs/risk.md)")) -> None:
    """Load a tidy case file into the store (idempotent, audited); bad rows are named with file, row, field.

    Example: fugong risk ingest --cases cases.csv
    """
    from fugong.access import SYSTEM
    from fugong.config import get_settings
    from fugong.risk import services
    from fugong.store.db import connect, session_scope

    frame = _read(cases)
    engine = connect(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        result = services.ingest_cases(session, frame, principal=SYSTEM, source=str(cases))
    engine.dispose()
    console.print(f"{cases}: inserted {result['inserted']}, updated {result['updated']}, unchanged {result['unchanged']}")


@app.command("convert-cn-city")
def convert_command(folder: Path = typer.Argument(..., help="folder of daily CSV files"),
                    out: Path = typer.Option(..., "--out", help="tidy CSV to write"),
                    report: Optional[Path] = typer.Option(None, "--report", help="CSV of the code mapping")) -> None:
    """Convert the public daily city files (cn-city-2020q1) into a tidy case CSV with GB/T 2260 codes.

    Example: fugong risk convert-cn-city ../shared/data/epidemic/cn-city-2020q1 --out cases.csv
    """
    import csv

    from fugong.risk.convert_cn_city import convert, write_tidy

    rows, mapping = convert(folder)
    write_tidy(rows, out)
    if report:
        with report.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["province_code", "city", "source_code", "region_code", "how"])
            writer.writerows([m.province_code, m.city, m.source_code, m.region_code, m.how] for m in mapping)
    by_how = {h: sum(1 for m in mapping if m.how == h) for h in ("code", "name", "unassigned", "merged")}
    console.print(f"{len(rows)} rows → {out}; cities by code {by_how['code']}, by name {by_how['name']}, "
                  f"to province only {by_how['unassigned']}, merged {by_how['merged']}")


@app.command("grade")
def grade_command(
    rules: str = typer.Option("cn-national-2020", "--rules", help="preset name or rule-set file"),
    cases: Optional[Path] = typer.Option(None, "--cases", help="tidy case CSV; default: the store"),
    date: Optional[str] = typer.Option(None, "--date", help="one day, YYYY-MM-DD"),
    start: Optional[str] = typer.Option(None, "--from", help="first day"),
    end: Optional[str] = typer.Option(None, "--to", help="last day"),
    level: Optional[str] = typer.Option(None, "--level", help="only province | city | county"),
    out: Optional[Path] = typer.Option(None, "--out", help="FILE.csv or FILE.json; default: a table"),
    repairs: Optional[Path] = typer.Option(None, "--repairs", help="CSV listing every repair made"),
) -> None:
    """Grade every region and day: region_code, name, date, level, colour, score, reasons.

    Example: fugong risk grade --cases cases.csv --rules cn-national-2020 --from 2020-02-01 --to 2020-03-31 --out grades.csv
    """
    from fugong.risk.cases import repairs_frame

    day = day_option(date, "--date")
    first, last = (day, day) if day else (day_option(start, "--from"), day_option(end, "--to"))
    prepared, rule_set, graded = _graded(cases, rules, first, last)
    if level and not graded.empty:
        graded = graded[graded["region_code"].map(lambda c: _level(c)) == level]
    if repairs is not None:
        repairs_frame(prepared).to_csv(repairs, index=False)
    err.print(f"{len(prepared.repairs)} repair(s) of falling cumulative counts"
              + (f" listed in {repairs}" if repairs else " (list them with --repairs FILE)"))
    columns = ["region_code", "name", "date", "level", "colour", "score", "reasons_zh", "reasons_en"]
    table = graded[columns].copy() if not graded.empty else graded
    if out is None:
        for row in table.itertuples():
            console.print(f"{row.region_code} {row.name} {row.date} [bold]{row.level}[/bold] {'；'.join(row.reasons_zh)}")
        return
    if out.suffix == ".json":
        records = table.assign(date=table["date"].astype(str)).to_dict("records")
        out.write_text(json.dumps(records, ensure_ascii=False, indent=1, default=_json_default), encoding="utf-8")
    else:
        flat = table.assign(reasons_zh=table["reasons_zh"].map("；".join), reasons_en=table["reasons_en"].map("; ".join))
        flat.rename(columns={"reasons_zh": "reasons"}).to_csv(out, index=False)
    console.print(f"{len(table)} rows → {out} ({rule_set.name})")


def _level(code: str) -> str:
    from fugong.risk.cases import region_level

    return region_level(code)


def _json_default(value):
    if hasattr(value, "item"):
        return value.item()
    return str(value)


@app.command("changes")
def changes_command(
    rules: str = typer.Option("zj-five-colour-2020", "--rules", help="preset name or rule-set file"),
    date: str = typer.Option(..., "--date", help="publication day, YYYY-MM-DD"),
    cases: Optional[Path] = typer.Option(None, "--cases", help="tidy case CSV; default: the store's publications"),
) -> None:
    """List the regions whose level changed since the previous publication ("余杭区 较高风险 → 中风险").

    Example: fugong risk changes --rules zj-five-colour-2020 --date 2020-02-19
    """
    from fugong.risk.publication import publication_dates, publish

    day = day_option(date, "--date")
    rule_set = _rules(rules)
    if cases is None:
        view = _stored_view(rule_set, day)
        changes, counts, shown = view["changes"], view["counts"], view["date"]
    else:
        prepared, rule_set, graded = _graded(cases, rules, None, day)
        names = {c: n for c, n in zip(graded["region_code"], graded["name"])}
        days = publication_dates(rule_set, day - dt.timedelta(days=rule_set.cadence_days), day)
        pubs = publish(graded, rule_set, start=days[0], end=day, names=names)
        if not pubs or pubs[-1].date != day:
            err.print(f"[red]{day} is not a publication day of {rule_set.name} (every {rule_set.cadence_days} days)[/red]")
            raise typer.Exit(2)
        changes, counts, shown = [c.__dict__ for c in pubs[-1].changes], pubs[-1].counts, day.isoformat()
    console.print(f"[bold]{rule_set.title_zh} {shown}[/bold]  " + "  ".join(
        f"{rule_set.level(k).zh if k != rule_set.grey.key else rule_set.grey.zh} {n}" for k, n in counts.items()))
    for change in changes:
        console.print(f"  {change['text_zh']}  ({change['text_en']})")
    if not changes:
        console.print("  无变化 / no change")


def _stored_view(rule_set, day: dt.date | None):
    from fugong.access import SYSTEM
    from fugong.config import get_settings
    from fugong.risk import services
    from fugong.store.db import connect, session_scope

    engine = connect(get_settings().resolved_database_url)
    with session_scope(engine) as session:
        view = services.publication_view(session, rules=rule_set, principal=SYSTEM, date=day)
    engine.dispose()
    if view is None:
        err.print(f"[red]no stored publication of {rule_set.name} on or before {day}: run `fugong demo` or pass --cases[/red]")
        raise typer.Exit(2)
    return view


@app.command("map")
def map_command(
    date: str = typer.Option(..., "--date", help="day, YYYY-MM-DD"),
    out: Path = typer.Option(..., "--out", help="FILE.svg or FILE.png"),
    rules: str = typer.Option("zj-five-colour-2020", "--rules", help="preset name or rule-set file"),
    cases: Optional[Path] = typer.Option(None, "--cases", help="tidy case CSV; default: the store's publications"),
    layer: str = typer.Option("zj-counties-2020", "--map", help="map layer (fugong.reference.maps)"),
    lang: str = typer.Option("zh", "--lang", help="zh | en"),
) -> None:
    """Export the choropleth of a day as SVG (or PNG via headless Chromium), with legend, date, rule set and source.

    Example: fugong risk map --date 2020-02-19 --out map.svg
    """
    from fugong.reference import maps
    from fugong.risk.mapping import publication_svg, svg_to_png
    from fugong.risk.publication import counts_per_level, grades_on

    day = day_option(date, "--date")
    rule_set = _rules(rules)
    if cases is None:
        view = _stored_view(rule_set, day)
    else:
        prepared, rule_set, graded = _graded(cases, rules, None, day)
        names = {c: n for c, n in zip(graded["region_code"], graded["name"])}
        grades = grades_on(graded, day, names)
        view = {"rule_set": rule_set.name, "title_zh": rule_set.title_zh, "title_en": rule_set.title_en,
                "source": rule_set.source, "data_source": prepared.source, "date": day.isoformat(),
                "grades": grades, "counts": counts_per_level(grades, rule_set),
                "levels": [{"key": lv.key, "colour": lv.colour, "zh": lv.zh, "en": lv.en} for lv in rule_set.levels]}
    svg = publication_svg(view, maps.load(layer), lang=lang)
    if out.suffix == ".png":
        svg_to_png(svg, out)
    else:
        out.write_text(svg, encoding="utf-8")
    console.print(f"map of {view['date']} ({rule_set.name}) → {out}")
