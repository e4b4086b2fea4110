"""``fugong demo``: generate the calibrated scenario, compute, serve the dashboard."""

from __future__ import annotations

import typer


def demo(
    host: str = typer.Option(None, help="address to serve on (default FUGONG_HOST, 127.0.0.1)"),
    port: int = typer.Option(None, help="port (default FUGONG_PORT, 8000)"),
    scale: float = typer.Option(1.0, min=0.0001, max=1.0, help="share of the full 333,427-enterprise scenario"),
    seed: int = typer.Option(20200210, help="random seed (same seed, same scenario)"),
    serve: bool = typer.Option(True, "--serve/--no-serve", help="start the dashboard when done"),
) -> None:
    """Generate the calibrated scenario, compute everything, and serve the dashboard.

    Example: fugong demo --scale 0.05 --no-serve
    """
    import datetime as dt
    import os
    import time

    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from fugong.config import get_settings, load_settings
    from fugong.demo.stages import DemoContext, stages

    console = Console()
    if not os.environ.get("FUGONG_AS_OF"):
        # The demo's story is the morning of 2020-02-20, the last published Zhejiang figure.
        os.environ["FUGONG_AS_OF"] = "2020-02-20"
        get_settings.cache_clear()
    settings = load_settings()
    settings.ensure_dirs()
    ctx = DemoContext(settings=settings, scale=scale, seed=seed)
    console.print(f"[bold]fugong demo[/bold] · data in {settings.data_dir.resolve()} · as of {settings.as_of}")
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[note]}"),
        TimeElapsedColumn(), console=console,
    ) as progress:
        ctx.progress = progress
        for stage in stages():
            task = progress.add_task(stage.title, total=None, note="")
            started = time.perf_counter()
            summary = stage.run(ctx)
            progress.update(task, total=1, completed=1, note=f"{summary} ({time.perf_counter() - started:.1f}s)")
    host = host or settings.host
    port = port or settings.port
    address = f"http://{host}:{port}/"
    console.print(f"[green]done[/green] at {dt.datetime.now():%H:%M:%S}. Dashboard: [bold]{address}[/bold]")
    if serve:
        from fugong.web.cli import serve as serve_command

        serve_command(host=host, port=port, workers=1)
