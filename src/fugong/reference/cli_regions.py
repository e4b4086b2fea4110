"""``fugong regions``: GB/T 2260 region codes (show, children, search, map-code)."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from fugong.reference import regions

regions_app = typer.Typer(no_args_is_help=True)
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them

VintageOption = typer.Option(None, "--vintage", help=f"code list vintage: {', '.join(regions.VINTAGES)} (default {regions.DEFAULT_VINTAGE})")
JsonOption = typer.Option(False, "--json", help="print JSON instead of a table")


def _fail(message: str) -> typer.Exit:
    err.print(f"[red]{message}[/red]")
    return typer.Exit(1)


def _as_dict(region: regions.Region) -> dict:
    return {"code": region.code, "name": region.name, "level": region.level, "parent": region.parent,
            "vintage": region.vintage}


@regions_app.command()
def show(code: str = typer.Argument(..., help="six-digit GB/T 2260 code"),
         vintage: str | None = VintageOption, as_json: bool = JsonOption) -> None:
    """Show one region: name, level, parent chain, population, vintage.

    显示一个行政区划：名称、级别、上级、人口、版本。

    Example: fugong regions show 330110 --vintage 2020
    """
    try:
        path = regions.chain(code, vintage=vintage)
    except (regions.UnknownRegion, ValueError) as exc:
        raise _fail(str(exc)) from None
    region = path[-1]
    people = regions.population(region.code, vintage=region.vintage)
    info = _as_dict(region) | {
        "chain": [{"code": r.code, "name": r.name} for r in path],
        "population": people,
        "population_source": regions.population_source(region.code, vintage=region.vintage),
    }
    if as_json:
        typer.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    console.print(f"[bold]{region.name}[/bold] {region.code}  ({region.level}, vintage {region.vintage})")
    console.print("chain 上级: " + " › ".join(f"{r.name} {r.code}" for r in path))
    shown = f"{people:,}  [dim]{info['population_source']}[/dim]" if people is not None else "unknown 未知"
    console.print(f"population 人口: {shown}")


@regions_app.command()
def children(code: str = typer.Argument(..., help="code or prefix: 33, 3301, 330100"),
             level: str | None = typer.Option(None, "--level", help="province | city | county"),
             vintage: str | None = VintageOption, as_json: bool = JsonOption) -> None:
    """List the regions under a code or prefix (descendants; one level with --level).

    列出下级行政区划。

    Example: fugong regions children 3301 --level county
    """
    try:
        found = regions.children(code, vintage=vintage, level=level)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _print_regions(found, as_json=as_json, title=f"{code}: {len(found)} regions")


@regions_app.command()
def search(name: str = typer.Argument(..., help="part of a name, e.g. 余杭"),
           vintage: str | None = VintageOption, as_json: bool = JsonOption) -> None:
    """Find regions by name (substring; exact matches first).

    按名称查找行政区划。

    Example: fugong regions search 余杭
    """
    try:
        found = regions.search(name, vintage=vintage)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    _print_regions(found, as_json=as_json, title=f"{name}: {len(found)} matches")


@regions_app.command("map-code")
def map_code(code: str = typer.Argument(..., help="code in the --from vintage"),
             from_vintage: str = typer.Option(..., "--from", help=f"one of {', '.join(regions.VINTAGES)}"),
             to_vintage: str = typer.Option(regions.DEFAULT_VINTAGE, "--to", help=f"one of {', '.join(regions.VINTAGES)}"),
             as_json: bool = JsonOption) -> None:
    """Map a code between vintages (abolished codes give their successors).

    在不同版本的区划代码之间转换。

    Example: fugong regions map-code 330104 --from 2020 --to 2021
    """
    try:
        codes = regions.map_code(code, from_vintage=from_vintage, to_vintage=to_vintage)
        found = [regions.get(c, vintage=to_vintage) for c in codes]
    except (regions.UnknownRegion, ValueError) as exc:
        raise _fail(str(exc)) from None
    source = regions.get(code, vintage=from_vintage)
    if as_json:
        typer.echo(json.dumps({"from": _as_dict(source), "to": [_as_dict(r) for r in found]}, ensure_ascii=False, indent=2))
        return
    console.print(f"{source.name} {source.code} ({from_vintage}) → "
                  + ", ".join(f"{r.name} {r.code}" for r in found) + f" ({to_vintage})")


def _print_regions(found: list[regions.Region], *, as_json: bool, title: str) -> None:
    if as_json:
        typer.echo(json.dumps([_as_dict(r) for r in found], ensure_ascii=False, indent=2))
        return
    table = Table(title=title)
    for column in ("code", "name", "level", "parent", "vintage"):
        table.add_column(column)
    for r in found:
        table.add_row(r.code, r.name, r.level, r.parent or "", r.vintage)
    console.print(table)
