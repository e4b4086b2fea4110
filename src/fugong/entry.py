"""The `fugong` command's entry point: `fugong index …` loads only the index commands.

Start-up is part of what a user waits for (`fugong index run --date D` is meant to answer in under
two seconds), and importing every command group (web app, database, accounts …) costs more than
reading a day of meters. Every other command goes through the full application (``fugong.cli``).
"""

from __future__ import annotations

import sys


def main() -> None:
    args = sys.argv[1:]
    if args[:1] == ["index"]:
        import typer

        from fugong.config import SettingsError, get_settings
        from fugong.index.cli import app, err

        try:
            get_settings()
        except SettingsError as exc:
            err.print(f"[red]Configuration error[/red]\n{exc}")
            raise SystemExit(2) from None
        command = typer.main.get_command(app)
        command.main(args=args[1:], prog_name="fugong index")
        return
    from fugong.cli import app

    app()


if __name__ == "__main__":  # pragma: no cover
    main()
