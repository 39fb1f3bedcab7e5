"""The `mlwright` command."""

from __future__ import annotations

import typer

from mlwright.cli.anomalies_cmd import anomalies_command
from mlwright.cli.cluster_cmd import cluster_command
from mlwright.cli.explain_cmd import explain_command
from mlwright.cli.forecast_cmd import forecast_command
from mlwright.cli.export_cmd import export_command
from mlwright.cli.models_cmd import models_app
from mlwright.cli.monitor_cmd import monitor_command
from mlwright.cli.predict_cmd import predict_command
from mlwright.cli.profile_cmd import profile_command
from mlwright.cli.report_cmd import report_command
from mlwright.cli.retrain_cmd import retrain_command
from mlwright.cli.runs_cmd import runs_app
from mlwright.cli.serve_cmd import serve_command
from mlwright.cli.ui_cmd import ui_command
from mlwright.cli.test_cmd import test_command
from mlwright.cli.train_cmd import train_command

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="mlwright: train, validate, ensemble and ship tabular models.")
app.command("train")(train_command)
app.command("predict")(predict_command)
app.command("cluster")(cluster_command)
app.command("anomalies")(anomalies_command)
app.command("forecast")(forecast_command)
app.command("profile")(profile_command)
app.command("report")(report_command)
app.command("explain")(explain_command)
app.command("test")(test_command)
app.add_typer(runs_app, name="runs")
app.add_typer(models_app, name="models")
app.command("export")(export_command)
app.command("serve")(serve_command)
app.command("ui")(ui_command)
app.command("retrain")(retrain_command)
app.command("monitor")(monitor_command)


def main() -> None:
    app()
