"""``fugong regions | industries | calendar | uscc``: reference data on the command line."""

import typer

regions_app = typer.Typer(no_args_is_help=True)
industries_app = typer.Typer(no_args_is_help=True)
calendar_app = typer.Typer(no_args_is_help=True)
uscc_app = typer.Typer(no_args_is_help=True)
