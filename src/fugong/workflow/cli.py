"""``fugong jobs``: run due jobs and deliver the outbox (for cron), list jobs and the outbox state."""

from __future__ import annotations

from typing import Optional

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console()


@app.command("run")
def run_command(force: bool = typer.Option(False, "--force", help="run even while a server holds the scheduler lease")) -> None:
    """Schedule the recurring jobs, run every due job once and deliver due notifications, then exit.

    For cron when no `fugong serve` runs the scheduler (it holds the lease; this then does nothing).
    Example (every five minutes): */5 * * * * fugong jobs run
    """
    from fugong.store.db import open_store
    from fugong.workflow import scheduler

    settings, engine = open_store()
    holder = scheduler.holder_name("cron")
    result = scheduler.tick(engine, settings=settings, holder=holder, force=force)
    if not result.held and not force:
        current = scheduler.lease_holder(engine)
        console.print(f"the scheduler lease is held by {current[0] if current else '?'} until "
                      f"{current[1].isoformat() if current else '?'}: nothing to do (use --force to run anyway)")
        return
    if result.held:
        scheduler.release_lease(engine, name=scheduler.LEASE_NAME, holder=holder)
    jobs, delivery = result.jobs, result.delivery
    console.print(f"jobs: {jobs.done} done, {jobs.failed} to retry, {jobs.dead} dead, {result.scheduled} scheduled; "
                  f"outbox: {delivery.sent} sent, {delivery.retried} to retry, {delivery.dead} dead")
    for line in jobs.errors + delivery.errors:
        console.print(f"[yellow]{line}[/yellow]", soft_wrap=True)
    if jobs.dead or delivery.dead:
        raise typer.Exit(1)


@app.command("list")
def list_command(status: Optional[str] = typer.Option(None, help="pending | running | done | dead"),
                 limit: int = typer.Option(50, min=1, max=1000)) -> None:
    """List jobs, latest due first, and the outbox counts.

    Example: fugong jobs list --status dead
    """
    from fugong.store.db import open_store, session_scope
    from fugong.workflow import jobs, outbox

    engine = open_store().engine
    with session_scope(engine) as session:
        rows = jobs.list_jobs(session, status=status, limit=limit)
        counts = outbox.outbox_counts(session)
    table = Table("id", "kind", "key", "due", "status", "attempts", "error")
    for row in rows:
        table.add_row(str(row["id"]), row["kind"], row["key"], row["due_at"], row["status"], str(row["attempts"]),
                      (row["last_error"] or "")[:60])
    console.print(table)
    console.print("outbox: " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "empty"))
