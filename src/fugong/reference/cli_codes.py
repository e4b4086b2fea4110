"""``fugong industries | calendar | uscc``: industries, working days, enterprise identifiers."""

import typer

industries_app = typer.Typer(no_args_is_help=True)
calendar_app = typer.Typer(no_args_is_help=True)
uscc_app = typer.Typer(no_args_is_help=True)
