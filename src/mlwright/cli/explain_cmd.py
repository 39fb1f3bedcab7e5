"""`mlwright explain`: why each row got its prediction, as signed contributions of its columns."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from mlwright.cli.common import console, friendly_errors, read_options, store_option
from mlwright.errors import ConfigError

#: Rows printed at most (every row goes to --output).
SHOWN_ROWS = 20
#: A value longer than this (a free text) is cut in the printed table; --output keeps it whole.
SHOWN_CHARACTERS = 80
_WRITERS = {".csv": ",", ".tsv": "\t"}


@friendly_errors
def explain_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    rows: Path = typer.Argument(..., help="Rows to explain: CSV/TSV (any separator, gzip) or Parquet."),
    top: int = typer.Option(5, "--top", help="Contributions printed per row; the others are summed."),
    class_: Optional[str] = typer.Option(None, "--class", help="Class whose probability is explained "
                                         "[default: the second class of two, else each row's predicted class]."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write every contribution of every row "
                                          "to this .csv or .tsv file (long form: row, column, value, contribution)."),
    sep: Optional[str] = typer.Option(None, help="Column separator of ROWS (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="ROWS has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for ROWS without header."),
    store: Optional[str] = store_option(),
) -> None:
    """Explain MODEL's prediction for each row of ROWS: the base (an average row's output) plus
    each column's contribution adds up to the prediction."""
    from mlwright import load
    from mlwright.data.readers import read_table
    from mlwright.evaluate.explain.rows import explain_frame, top_contributions

    if output is not None and output.suffix.lower() not in _WRITERS:
        raise ConfigError(f"cannot write {output.suffix or 'a file without suffix'}.", where=str(output),
                          fix="name the output file .csv or .tsv.")
    if top < 1:
        raise ConfigError(f"--top must be at least 1, got {top}.", where="--top", fix="pass --top 1 or more.")
    loaded = load(model, store=store)
    frame = read_table(rows, **read_options(sep, no_header, columns))
    table = explain_frame(loaded, frame, class_=class_, where=str(rows))
    _print_rows(top_contributions(table, top), loaded.target.name)
    _print_terms(loaded, frame, table, top)
    if output is not None:
        _write(table, output)
        console.print(f"Wrote {len(table):,} contributions of {table['row'].nunique():,} rows to [bold]{output}[/]")


def _print_rows(table, target: str) -> None:
    shown = table["row"].unique()[:SHOWN_ROWS]
    for row in shown:
        lines = table[table["row"] == row]
        first = lines.iloc[0]
        what = f"P({first['class']})" if "class" in lines.columns else target
        view = Table(title=f"row {row}: {what} = {first['prediction']:.4g} (base {first['base']:.4g})",
                     title_justify="left")
        view.add_column("column")
        view.add_column("value", overflow="fold", max_width=40)
        view.add_column("contribution", justify="right")
        for line in lines.itertuples():
            style = "green" if line.contribution > 0 else "red" if line.contribution < 0 else ""
            value = _shown(line.value)
            view.add_row(str(line.column), value, f"[{style}]{line.contribution:+.4g}[/]" if style else "0")
        console.print(view)
    if table["row"].nunique() > len(shown):
        console.print(f"... {table['row'].nunique() - len(shown):,} more rows (all of them go to --output).")


def _print_terms(model, frame, table, top: int) -> None:
    """For each text column, the words of each shown row that push its text model's score toward
    the class explained (or the value, for regression) and away from it."""
    from mlwright.evaluate.explain.text_terms import term_table, text_models

    if not text_models(model):
        return
    rows = table.drop_duplicates("row").head(SHOWN_ROWS)
    positions = ([list(map(str, model.classes_)).index(str(c)) for c in rows["class"]]
                 if "class" in rows.columns else [0] * len(rows))
    terms = term_table(model, frame.iloc[rows["row"].to_numpy()].reset_index(drop=True), positions, top)
    for (position, column), lines in terms.groupby(["row", "column"], sort=False):
        row = int(rows["row"].iloc[position])
        pushes = ", ".join(f"{t!r} {p:+.3g}" for t, p in zip(lines["term"], lines["push"]))
        console.print(f"row {row}, {column}: the words that push its text model's score most: {pushes}",
                      highlight=False)


def _shown(value) -> str:
    import pandas as pd  # imported here: `mlwright --help` loads every command module

    if isinstance(value, float):
        return "" if value != value else f"{value:.6g}"
    text = "" if value is None or value is pd.NA or value is pd.NaT else str(value)
    return text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS - 1] + "…"  # a review, say


def _write(table, output: Path) -> None:
    from mlwright.files import write_text_atomic

    write_text_atomic(output, table.to_csv(index=False, sep=_WRITERS[output.suffix.lower()]))
