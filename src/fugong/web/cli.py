"""``fugong serve``: run the web app with uvicorn."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option(None, help="address to listen on (default FUGONG_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default FUGONG_PORT, 8000)"),
    workers: int = typer.Option(1, min=1, help="worker processes"),
) -> None:
    """Start the web app (dashboard and JSON API). Upgrades the database schema first.

    Example: fugong serve --host 0.0.0.0 --port 8000
    """
    import uvicorn

    from fugong.config import get_settings
    from fugong.store.db import connect, upgrade

    settings = get_settings()
    settings.ensure_dirs()
    upgrade(connect(settings.resolved_database_url))
    from fugong.store.audit import start_sealer

    start_sealer(settings.resolved_database_url)  # the audit log's hash chain, sealed every 30 s
    host = host or settings.host
    port = port or settings.port
    typer.echo(f"fugong dashboard: http://{host}:{port}/")
    uvicorn.run("fugong.web.asgi:app", host=host, port=port, workers=workers, log_level=settings.log_level)
