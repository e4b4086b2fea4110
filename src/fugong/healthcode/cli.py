"""``fugong code``: health codes (see issue 6)."""

import typer

app = typer.Typer(no_args_is_help=True)
