"""The `mlwright` command."""

from __future__ import annotations

import typer

from mlwright.cli.predict_cmd import predict_command
from mlwright.cli.profile_cmd import profile_command
from mlwright.cli.train_cmd import train_command

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="mlwright: train, validate, ensemble and ship tabular models.")
app.command("train")(train_command)
app.command("predict")(predict_command)
app.command("profile")(profile_command)


def main() -> None:
    app()
