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

    from concurrent.futures import ThreadPoolExecutor

    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TaskProgressColumn, TextColumn, TimeElapsedColumn

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
    all_stages = stages()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(),
        TimeElapsedColumn(), console=console, transient=True,
    ) as progress:
        ctx.progress = progress

        def run(number: int, stage) -> None:
            task = progress.add_task(f"[{number}/{len(all_stages)}] {stage.title}", total=None)
            started = time.perf_counter()
            summary = stage.run(ctx)
            progress.remove_task(task)
            # One permanent line per stage: what it did and how long it took.
            progress.console.print(
                f"[green]✓[/green] [{number}/{len(all_stages)}] {stage.title}: {summary} "
                f"[dim]({time.perf_counter() - started:.1f}s)[/dim]"
            )

        failed = []

        def run_alongside(number: int, stage) -> None:
            if failed:  # an earlier alongside stage failed: the later ones read what it should have made
                return
            try:
                run(number, stage)
            except BaseException:
                failed.append(stage.name)
                raise

        # Alongside stages run one after another in a second thread while the main ones go on
        # (stages.Stage); a stage that waits, and the end of the demo, wait for them and re-raise
        # the first failure.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="demo-alongside") as alongside:
            pending = []
            try:
                for number, stage in enumerate(all_stages, 1):
                    if stage.alongside:
                        pending.append(alongside.submit(run_alongside, number, stage))
                        continue
                    if stage.waits:
                        _finish(pending)
                    run(number, stage)
                _finish(pending)
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
    host = host or settings.host
    port = port or settings.port
    address = f"http://{host}:{port}/"
    if "demo_password" in ctx.results:
        # The password itself is never printed (terminals, CI logs and journals keep what is printed).
        password_file = settings.data_dir / "demo-password.txt"
        console.print("Sign in as [bold]demo-admin[/bold] (province), [bold]demo-hangzhou[/bold] and "
                      "[bold]demo-hangzhou-2[/bold] (Hangzhou officers), [bold]demo-grid[/bold] (grid analyst), "
                      "[bold]demo-gate[/bold] (gate staff), [bold]demo-firm[/bold] (enterprise) or "
                      f"[bold]demo-person[/bold] (a member of the public) with the password in {password_file} "
                      f"(readable by you only: cat {password_file})", soft_wrap=True)
    console.print(f"[green]done[/green] at {dt.datetime.now():%H:%M:%S}. Dashboard: [bold]{address}[/bold]")
    if serve:
        from fugong.web.cli import serve as serve_command

        serve_command(host=host, port=port, workers=1)


def _finish(futures: list) -> None:
    """Wait for every future in order; the first failure is raised (the others still run to the end)."""
    while futures:
        futures.pop(0).result()
