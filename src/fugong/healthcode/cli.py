"""``fugong code``: health codes: verify tokens, rotate signing keys, load lists, purge, show rules."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
keys_app = typer.Typer(no_args_is_help=True)
lists_app = typer.Typer(no_args_is_help=True)
app.add_typer(keys_app, name="keys", help="Signing keys: list, rotate.")
app.add_typer(lists_app, name="lists", help="Authoritative lists (cases, close contacts, quarantine): load CSV.")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them


@app.command("verify")
def verify_command(token: str = typer.Argument(..., help="the token text from the QR code (HC1.…)")) -> None:
    """Verify a health-code token: signature, expiry and revocation; prints colour and reason.

    Exit code 0 when valid, 1 when not. No personal data is printed (the token holds none).

    Example: fugong code verify HC1.eyJjIjoi….Q2x…
    """
    from fugong.healthcode.rules import reason_text
    from fugong.healthcode.tokens import verify
    from fugong.store.db import open_store, session_scope

    with session_scope(open_store().engine) as session:
        result = verify(session, token)
    if result.ok:
        console.print(f"[green]valid 有效[/green] colour={result.claims['k']} key={result.claims['kid']} "
                      f"expires={result.claims['e']}")
        return
    reason = reason_text(result.reason_code)
    console.print(f"[red]invalid 无效[/red] {reason['code']}: {reason['zh']} / {reason['en']}")
    raise typer.Exit(1)


@keys_app.command("rotate")
def rotate_command() -> None:
    """Make a new active signing key; old public keys stay published for verification.

    Example: fugong code keys rotate
    """
    from fugong.access import SYSTEM
    from fugong.healthcode.tokens import rotate_keys
    from fugong.store.db import open_store, session_scope

    with session_scope(open_store().engine) as session:
        key = rotate_keys(session, SYSTEM)
        console.print(f"new active signing key {key.key_id}")


@keys_app.command("list")
def keys_list_command() -> None:
    """List the public signing keys (the same JSON as /api/code/keys).

    Example: fugong code keys list
    """
    import json

    from fugong.healthcode.tokens import public_keys
    from fugong.store.db import open_store, session_scope

    with session_scope(open_store().engine) as session:
        console.print_json(json.dumps({"keys": public_keys(session)}))


@lists_app.command("load")
def lists_load_command(
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV: kind,id_number,region_code,start_date,end_date"),
) -> None:
    """Load an authoritative list CSV; bad rows go to a rejects file (masked IDs only).

    Example: fugong code lists load close-contacts-2020-02-11.csv
    """
    from fugong.access import SYSTEM
    from fugong.config import get_settings
    from fugong.healthcode.lists import load_list_csv
    from fugong.store.db import open_store, session_scope

    from fugong.store.textfiles import read_text

    try:
        with session_scope(open_store().engine) as session:
            result = load_list_csv(session, SYSTEM, text=read_text(path), source=path.name,
                                   rejects_dir=get_settings().rejects_dir)
    except ValueError as exc:  # TextFileError, a missing column: named, nothing stored
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"loaded {result.loaded}, updated {result.updated}, unchanged {result.unchanged}, "
                  f"rejected {result.rejected} (duplicates {result.duplicates}), colour changes {result.colour_changes}")
    for reject in result.rejects[:10]:
        err.print(f"{reject['file']} row {reject['row']} field {reject['field']}: {reject['error']}")
    if result.rejects_path:
        console.print(f"rejects: {result.rejects_path}")


@app.command("purge")
def purge_command(
    older_than: str = typer.Option("28d", "--older-than", help="retention period, e.g. 28d, 4w"),
) -> None:
    """Delete scans, declarations and check-ins older than the retention period.

    Example: fugong code purge --older-than 28d
    """
    from fugong.access import SYSTEM
    from fugong.healthcode.privacy import parse_age, purge
    from fugong.store.db import open_store, session_scope

    try:
        age = parse_age(older_than)
    except ValueError as exc:
        err.print(f"[red]--older-than: {exc}[/red]")
        raise typer.Exit(2) from None
    with session_scope(open_store().engine) as session:
        counts = purge(session, SYSTEM, older_than=age)
    console.print(" ".join(f"{k}={v}" for k, v in counts.items()))


@app.command("rules")
def rules_command(name: str = typer.Argument("hangzhou-2020", help="preset name or TOML path")) -> None:
    """Show a colour rule set: triggers and recovery steps.

    Example: fugong code rules hubei-2020
    """
    from fugong.healthcode.rules import RuleSetError, load_rule_set

    try:
        rules = load_rule_set(name)
    except RuleSetError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"[bold]{rules.name}[/bold] {rules.title_zh} / {rules.title_en}; fever ≥ {rules.fever_threshold} °C")
    for rule in rules.rules:
        extra = {"on_list": f" {', '.join(rule.lists)}",
                 "travel_to_risk_region": f" severity ≥ {rule.min_severity} within {rule.window_days} days",
                 "symptoms": f" ≥ {rule.min_count}"}.get(rule.when, "")
        console.print(f"  {rule.colour:6} ← {rule.when}{extra}")
    for step in rules.recovery:
        after = " after the list entry ended" if step.after_list_end else ""
        console.print(f"  {step.from_colour} → {step.to_colour} after {step.days} consecutive normal check-ins{after}")
