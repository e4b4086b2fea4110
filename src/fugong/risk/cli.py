"""``fugong risk``: risk grading and the map (see issue 4)."""

import typer

app = typer.Typer(no_args_is_help=True)
