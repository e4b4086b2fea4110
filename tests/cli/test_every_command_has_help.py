"""`fugong --help` lists every command with a one-line description; every command's help has an example."""

import pytest
import typer
from typer.testing import CliRunner

from fugong.cli import app

runner = CliRunner()


def _leaf_commands(group, prefix: tuple[str, ...] = ()):
    for name, command in sorted(group.commands.items()):
        path = prefix + (name,)
        if hasattr(command, "commands"):  # a group (Typer vendors its own click)
            yield from _leaf_commands(command, path)
        else:
            yield path, command


ROOT = typer.main.get_command(app)
LEAVES = list(_leaf_commands(ROOT))


def test_the_top_level_help_lists_every_command_with_a_description():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name, command in ROOT.commands.items():
        assert name in result.output
        assert (command.help or command.short_help or "").strip(), f"{name} has no description"


@pytest.mark.parametrize("path", [p for p, _ in LEAVES], ids=lambda p: " ".join(p))
def test_every_command_has_help_with_an_example(path):
    result = runner.invoke(app, [*path, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"fugong {' '.join(path)} --help shows no example"


def test_it_has_the_commands_the_readme_promises():
    names = {" ".join(p) for p, _ in LEAVES}
    assert {"demo", "serve", "db upgrade"} <= names
