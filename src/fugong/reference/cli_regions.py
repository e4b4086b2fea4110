"""``fugong regions``: GB/T 2260 region codes."""

import typer

regions_app = typer.Typer(no_args_is_help=True)
