"""``fugong index``: electricity resumption index commands (see issue 3)."""

import typer

app = typer.Typer(no_args_is_help=True)
