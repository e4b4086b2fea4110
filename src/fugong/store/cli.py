"""``fugong db``: schema management."""

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("upgrade")
def upgrade_command() -> None:
    """Bring the database schema to the newest revision.

    Example: FUGONG_DATABASE_URL=postgresql+psycopg://fugong@localhost/fugong fugong db upgrade
    """
    from fugong.store.db import current_revision, open_store

    engine = open_store().engine
    console.print(f"database {engine.url.render_as_string(hide_password=True)} at revision {current_revision(engine)}")


@app.command("current")
def current_command() -> None:
    """Print the schema revision of the database and the newest one available.

    Example: fugong db current
    """
    from fugong.config import get_settings
    from fugong.store.db import connect, current_revision, head_revision

    engine = connect(get_settings().resolved_database_url)
    console.print(f"current: {current_revision(engine) or '(empty database)'}  newest: {head_revision()}")


audit_app = typer.Typer(no_args_is_help=True)


@audit_app.command("seal")
def audit_seal_command(grace_seconds: int = typer.Option(60, "--grace-seconds", min=0,
                                                        help="seal only entries older than this")) -> None:
    """Chain the audit entries written since the last seal (``fugong serve`` does it every 30 s; run
    this from cron when no server runs).

    Example: fugong audit seal
    """
    from fugong.store.db import open_store
    import datetime as dt

    from fugong.store.audit import seal_all

    sealed = seal_all(open_store().engine, grace=dt.timedelta(seconds=grace_seconds))
    console.print(f"sealed {sealed:,} audit entries")


@audit_app.command("verify")
def audit_verify_command(json_output: bool = typer.Option(False, "--json", help="print the result as JSON")) -> None:
    """Recompute the audit log's hash chain; exit 1 and name the seals whose entries changed.

    Example: fugong audit verify
    """
    import json
    from dataclasses import asdict

    from fugong.store.audit import verify
    from fugong.store.db import open_store, session_scope

    with session_scope(open_store().engine) as session:
        result = verify(session)
    if json_output:
        print(json.dumps(asdict(result), ensure_ascii=False))
    elif result.ok:
        console.print(f"audit log intact: {result.entries:,} entries, {result.seals:,} seals, "
                      f"{result.unsealed:,} not sealed yet")
    else:
        console.print(f"[red]audit log tampered with[/red]: {len(result.problems)} problem(s)")
        for problem in result.problems[:50]:
            console.print(f"  {problem}", soft_wrap=True)
    if not result.ok:
        raise typer.Exit(1)
