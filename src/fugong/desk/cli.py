"""``fugong desk``: Open311 API keys, units, routing rules, rounds, pairing plans, the Wuhu fixture.

    fugong desk api-key create --name "弋江区人社局客户端" --unit WH-RSJ      (prints the key once)
    fugong desk api-key create --name "企业自助" --enterprise WH0042
    fugong desk api-key list
    fugong desk api-key revoke 3
    fugong desk unit add WH-RSJ --name 人社局 --region 340203 --kind contact --kind department
    fugong desk unit member WH-RSJ wh-rsj-1 [--head]
    fugong desk routing publish rules.toml --reason "按职责分工"
    fugong desk rounds create --region 340203 --first 2020-02-11 --every 2 --last 2020-02-25
    fugong desk pairing apply plan.toml
    fugong desk funnel --region 340203 --day 2020-02-25
    fugong desk wuhu                          (load the Wuhu high-tech zone fixture of seed 004)
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from fugong.access import SYSTEM

app = typer.Typer(no_args_is_help=True)
keys_app = typer.Typer(no_args_is_help=True)
unit_app = typer.Typer(no_args_is_help=True)
routing_app = typer.Typer(no_args_is_help=True)
rounds_app = typer.Typer(no_args_is_help=True)
pairing_app = typer.Typer(no_args_is_help=True)
app.add_typer(keys_app, name="api-key", help="Open311 API keys bound to a unit or an enterprise.")
app.add_typer(unit_app, name="unit", help="Contact units, triage office, departments and their members.")
app.add_typer(routing_app, name="routing", help="Routing rules (category x region x conditions -> department).")
app.add_typer(rounds_app, name="rounds", help="Collection rounds.")
app.add_typer(pairing_app, name="pairing", help="Layered pairing of officials with enterprises.")
console = Console()


def _session():
    from fugong.store.db import open_store, session_scope, write_lock

    engine = open_store().engine

    class _Scope:
        def __enter__(self):
            self._lock = write_lock(engine)
            self._lock.__enter__()
            self._scope = session_scope(engine)
            return self._scope.__enter__()

        def __exit__(self, *exc):
            try:
                return self._scope.__exit__(*exc)
            finally:
                self._lock.__exit__(*exc)

    return _Scope()


def _fail(message: str) -> None:
    console.print(f"[red]{message}[/red]", soft_wrap=True)
    raise typer.Exit(2)


@keys_app.command("create")
def key_create(name: str = typer.Option(..., "--name", help="who uses the key"),
               unit: Optional[str] = typer.Option(None, "--unit", help="a desk unit code"),
               enterprise: Optional[str] = typer.Option(None, "--enterprise", help="an enterprise id")) -> None:
    """Create an API key for an Open311 client; the key is printed once and stored hashed.

    Example: fugong desk api-key create --name "弋江区人社局客户端" --unit WH-RSJ
    """
    from fugong.desk import open311
    from fugong.desk.service import DeskError

    try:
        with _session() as session:
            row, raw = open311.create_key(session, SYSTEM, name=name, unit_code=unit, enterprise_id=enterprise)
            key_id = row.id
    except DeskError as error:
        _fail(f"{error.field}: {error.message}")
    console.print(f"API key {key_id} ({name}): {raw}")
    console.print("Store it now: it is not shown again. 请妥善保存，此密钥不会再次显示。")


@keys_app.command("list")
def key_list() -> None:
    """List API keys (never the keys themselves).

    Example: fugong desk api-key list
    """
    from fugong.desk import open311

    with _session() as session:
        rows = [(k.id, k.name, k.unit_code or "", k.enterprise_id or "", k.region_prefix, k.created_at.isoformat()[:19],
                 k.revoked_at.isoformat()[:19] if k.revoked_at else "") for k in open311.list_keys(session, SYSTEM)]
    table = Table("id", "name", "unit", "enterprise", "region", "created", "revoked")
    for row in rows:
        table.add_row(*(str(v) for v in row))
    console.print(table)


@keys_app.command("revoke")
def key_revoke(key_id: int = typer.Argument(..., help="the id shown by `fugong desk api-key list`")) -> None:
    """Revoke an API key (at once; the row stays for the audit log).

    Example: fugong desk api-key revoke 3
    """
    from fugong.desk import open311

    try:
        with _session() as session:
            open311.revoke_key(session, SYSTEM, key_id=key_id)
    except LookupError:
        _fail(f"no API key {key_id}")
    console.print(f"API key {key_id} revoked")


@unit_app.command("add")
def unit_add(code: str, name: str = typer.Option(..., "--name"), region: str = typer.Option(..., "--region"),
             kind: List[str] = typer.Option(..., "--kind", help="contact, triage, department, town (repeat)"),
             name_en: str = typer.Option("", "--name-en")) -> None:
    """Add a unit of the desk.

    Example: fugong desk unit add WH-RSJ --name 人社局 --region 340203 --kind contact --kind department
    """
    from fugong.desk import service

    try:
        with _session() as session:
            service.add_unit(session, SYSTEM, code=code, name_zh=name, name_en=name_en, region_code=region, kinds=kind)
    except service.DeskError as error:
        _fail(f"{error.field}: {error.message}")
    console.print(f"unit {code} added")


@unit_app.command("member")
def unit_member(unit: str, username: str, head: bool = typer.Option(False, "--head")) -> None:
    """Make a user a member (or the head) of a unit.

    Example: fugong desk unit member WH-RSJ wh-rsj-1 --head
    """
    from fugong.desk import service

    try:
        with _session() as session:
            service.add_member(session, SYSTEM, username=username, unit_code=unit, head=head)
    except service.DeskError as error:
        _fail(f"{error.field}: {error.message}")
    console.print(f"{username} is {'head' if head else 'a member'} of {unit}")


@routing_app.command("publish")
def routing_publish(path: Path, reason: str = typer.Option(..., "--reason")) -> None:
    """Publish the rules of a TOML file as the next version (docs/desk.md: routing rules).

    Example: fugong desk routing publish rules.toml --reason "按职责分工"
    """
    from fugong.desk import routing
    from fugong.desk.settings import DeskConfigError

    try:
        rules = routing.parse_rules_file(path)
        with _session() as session:
            version = routing.publish(session, SYSTEM, rules=rules, reason=reason, source=str(path)).version
    except (routing.RoutingError, DeskConfigError) as error:  # the rules, or FUGONG_DESK_CONFIG they are checked against
        _fail(str(error))
    console.print(f"routing rules version {version} published ({len(rules)} rules)")


@routing_app.command("show")
def routing_show(version: Optional[int] = typer.Option(None, "--version")) -> None:
    """Print a version of the routing rules as JSON (the latest by default).

    Example: fugong desk routing show --version 2
    """
    from fugong.desk import routing

    with _session() as session:
        console.print_json(json.dumps(routing.rules_view(session, version=version), ensure_ascii=False))


@rounds_app.command("create")
def rounds_create(region: str = typer.Option(..., "--region"), first: str = typer.Option(..., "--first"),
                  every: int = typer.Option(2, "--every"), last: str = typer.Option(..., "--last")) -> None:
    """Create collection rounds of EVERY days whose report days run from FIRST to LAST.

    Example: fugong desk rounds create --region 340203 --first 2020-02-11 --every 2 --last 2020-02-25
    """
    from fugong.desk import rounds, service

    try:
        with _session() as session:
            made = rounds.create_rounds(session, SYSTEM, region_prefix=region, first=dt.date.fromisoformat(first),
                                        every=every, last=dt.date.fromisoformat(last))
            labels = [r.label for r in made]
    except (service.DeskError, ValueError) as error:
        _fail(str(error))
    console.print(f"{len(labels)} rounds: {', '.join(labels)}")


@pairing_app.command("apply")
def pairing_apply(path: Path) -> None:
    """Apply a layered pairing plan (TOML; docs/desk.md: pairing).

    Example: fugong desk pairing apply plan.toml
    """
    from fugong.desk import pairing, service

    try:
        plan = pairing.parse_plan(path)
        with _session() as session:
            counts = pairing.apply_plan(session, SYSTEM, plan=plan, source=str(path))
    except service.DeskError as error:
        _fail(error.message)
    console.print(f"{counts['pairs']} pairs: {counts['started']} started, {counts['ended']} ended")


@app.command("funnel")
def funnel(region: str = typer.Option(..., "--region"), day: str = typer.Option(..., "--day"),
           as_json: bool = typer.Option(False, "--json")) -> None:
    """The funnel of a region as of the end of a day (Asia/Shanghai).

    Example: fugong desk funnel --region 340203 --day 2020-02-25
    """
    from fugong.desk import rounds, service

    until = dt.datetime.combine(dt.date.fromisoformat(day) + dt.timedelta(days=1), dt.time(0), tzinfo=service.TZ)
    with _session() as session:
        view = rounds.funnel(session, SYSTEM, region_prefix=region, until=until)
    if as_json:
        console.print_json(json.dumps(view, ensure_ascii=False))
        return
    table = Table("figure", "value")
    for key in rounds.FIGURES + rounds.MONEY:
        table.add_row(f"{rounds.LABELS[key][0]} {key}", f"{view['figures'][key]:,.2f}" if key in rounds.MONEY
                      else str(view["figures"][key]))
    console.print(table)


@app.command("wuhu")
def wuhu() -> None:
    """Load the Wuhu high-tech zone fixture (seed 004: 297 firms contacted, 926 demands … as of 2020-02-25).

    Example: fugong desk wuhu && fugong desk funnel --region 340203 --day 2020-02-25
    """
    from fugong.desk.scenarios import wuhu as scenario

    with _session() as session:
        from fugong.desk.models import Unit

        if session.get(Unit, "WH-FGW") is not None:
            _fail("the Wuhu fixture is loaded already")
        scenario.load(session)
    console.print("Wuhu fixture loaded: fugong desk funnel --region 340203 --day 2020-02-25")
