"""``fugong users``: add, list, disable and enable users; set passwords; create and revoke API tokens.

The CLI acts as the ``system`` principal (whoever runs it on the server is trusted); every change is
audited as ``system:cli``. Passwords are prompted twice without echo, or read from stdin.
"""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
token_app = typer.Typer(no_args_is_help=True)
app.add_typer(token_app, name="token", help="API tokens for machine clients: create (shown once), list, revoke.")
console = Console()
err = Console(stderr=True, soft_wrap=True)  # errors name files and rows: never wrap them


def _run(work):
    """Run ``work(session)`` in one transaction; turn a refused or bad request into a clear error."""
    from fugong.access import AccessDenied
    from fugong.store.db import open_store, session_scope

    try:
        with session_scope(open_store().engine) as session:
            return work(session)
    except (ValueError, AccessDenied) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from None


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True)


@app.command("add")
def add(
    username: str = typer.Argument(..., help="login name, e.g. 3301-li"),
    role: str = typer.Option(..., "--role", help="province_admin, officer, department, service_officer, enterprise, grid_analyst, gate_staff, person"),
    region: str = typer.Option("", "--region", help='GB/T 2260 prefix the user sees: "33", "3301", "330106"; empty = all'),
    enterprise: list[str] = typer.Option([], "--enterprise", help="enterprise id (enterprise users: one; service officers: repeat for each paired firm)"),
    display_name: str = typer.Option("", "--display-name", help="name shown in pages"),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin"),
    no_password: bool = typer.Option(False, "--no-password", help="no password login (API tokens only)"),
) -> None:
    """Add a user with a role, a region prefix and (for enterprise users and service officers) enterprises.

    Example: fugong users add 3301-li --role officer --region 3301
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    password = None if no_password else _read_password(password_stdin)

    def work(session):
        user = service.add_user(session, actor=SYSTEM, username=username, role=role, region_prefix=region,
                                display_name=display_name, enterprise_ids=enterprise, password=password)
        return user.username, user.role, user.region_prefix

    name, role_, prefix = _run(work)
    console.print(f"added {name} ({role_}, region {prefix or 'all'})")


@app.command("list")
def list_(as_json: bool = typer.Option(False, "--json", help="print JSON instead of a table")) -> None:
    """List users with their role, region prefix, enterprises and state.

    Example: fugong users list --json
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    def work(session):
        return [
            {"username": u.username, "display_name": u.display_name, "role": u.role,
             "region_prefix": u.region_prefix, "enterprise_ids": u.enterprise_ids, "disabled": u.disabled,
             "locked": u.locked_until is not None}
            for u in service.list_users(session, actor=SYSTEM)
        ]

    rows = _run(work)
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table = Table("username", "role", "region", "enterprises", "state")
    for row in rows:
        state = "disabled" if row["disabled"] else ("locked" if row["locked"] else "active")
        table.add_row(row["username"], row["role"], row["region_prefix"] or "(all)",
                      ", ".join(row["enterprise_ids"]), state)
    console.print(table)


@app.command("disable")
def disable(
    username: str = typer.Argument(...),
    reason: str = typer.Option(None, "--reason", help="why (kept in the audit log)"),
) -> None:
    """Disable a user: their sessions and API tokens stop working at once.

    Example: fugong users disable 3301-li --reason "left the command centre"
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    _run(lambda session: service.disable_user(session, actor=SYSTEM, username=username, reason=reason))
    console.print(f"disabled {username}")


@app.command("signout")
def signout(
    username: str = typer.Argument(...),
    reason: str = typer.Option(None, "--reason", help="why (kept in the audit log)"),
) -> None:
    """Sign a user out everywhere: every open browser session ends (API tokens are revoked separately).

    Example: fugong users signout 3301-li --reason "phone lost"
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    ended = _run(lambda session: service.end_all_sessions(session, actor=SYSTEM, username=username, reason=reason))
    console.print(f"signed {username} out of {ended} session(s)")


@app.command("enable")
def enable(username: str = typer.Argument(...)) -> None:
    """Enable a disabled user again (also clears a lock-out).

    Example: fugong users enable 3301-li
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    _run(lambda session: service.enable_user(session, actor=SYSTEM, username=username))
    console.print(f"enabled {username}")


@app.command("password")
def password(
    username: str = typer.Argument(...),
    password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from the first line of stdin"),
) -> None:
    """Set a user's password (at least 10 characters); their older sessions end.

    Example: fugong users password 3301-li
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    secret = _read_password(password_stdin)
    _run(lambda session: service.set_password(session, actor=SYSTEM, username=username, password=secret))
    console.print(f"password set for {username}")


@token_app.command("create")
def token_create(
    username: str = typer.Argument(...),
    name: str = typer.Option(..., "--name", help="what the token is for, e.g. 'grid meter loader'"),
) -> None:
    """Create an API token for a user and print it once (only its hash is stored).

    Example: fugong users token create grid-loader --name "nightly meter import"
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    def work(session):
        new = service.create_api_token(session, actor=SYSTEM, username=username, name=name)
        return new.record.id, new.token

    token_id, token = _run(work)
    err.print(f"token {token_id} for {username}; copy it now, it is not shown again:")
    typer.echo(token)


@token_app.command("list")
def token_list(username: str = typer.Argument(...)) -> None:
    """List a user's API tokens (id, name, created, last used, revoked); never the tokens themselves.

    Example: fugong users token list grid-loader
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    def work(session):
        return [(str(t.id), t.name, str(t.created_at)[:19], str(t.last_used_at or "")[:19], str(t.revoked_at or "")[:19])
                for t in service.list_api_tokens(session, actor=SYSTEM, username=username)]

    table = Table("id", "name", "created (UTC)", "last used", "revoked")
    for row in _run(work):
        table.add_row(*row)
    console.print(table)


@token_app.command("revoke")
def token_revoke(token_id: int = typer.Argument(..., help="the token's id (from `token list`)")) -> None:
    """Revoke an API token for good.

    Example: fugong users token revoke 3
    """
    from fugong.access import SYSTEM
    from fugong.accounts import service

    _run(lambda session: service.revoke_api_token(session, actor=SYSTEM, token_id=token_id))
    console.print(f"revoked token {token_id}")
