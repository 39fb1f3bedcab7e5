"""What every command shares: the console, one-line errors, reading options."""

from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Optional

import typer
from rich.markup import escape
from rich.console import Console

from mlwright.errors import ConfigError, MlwrightError
from mlwright.registry.figures import metric_text

console = Console()
errors = Console(stderr=True)


def friendly_errors(command: Callable | None = None, *, exit_code: int = 2) -> Callable:
    """Print an ``MlwrightError`` as one line and exit with ``exit_code`` (2), instead of a
    traceback. Commands whose exit codes carry results (`monitor`) choose another code."""
    if command is None:
        return functools.partial(friendly_errors, exit_code=exit_code)

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=UserWarning, append=False)
                warnings.filterwarnings("default", module="mlwright")
                return command(*args, **kwargs)
        except MlwrightError as exc:
            errors.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False, soft_wrap=True)
            raise typer.Exit(exit_code) from None
        except KeyboardInterrupt:
            errors.print("[yellow]interrupted[/]")
            raise typer.Exit(130) from None
    return wrapper


def process_started() -> float:
    """When this process started, as a ``time.time()`` value: a command's time budget counts from
    here, so that the seconds spent starting Python and importing are inside it, as on the user's clock."""
    import psutil

    try:
        return psutil.Process().create_time()
    except (psutil.Error, OSError):  # no process table to read (a locked-down container): the call's time
        import time

        return time.time()


def read_options(sep: str | None, no_header: bool, columns: str | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if sep:
        options["sep"] = "\t" if sep in ("\\t", "tab") else sep
    if no_header:
        options["header"] = False
    if columns:
        options["columns"] = [c.strip() for c in columns.split(",")]
    return options


def is_terminal() -> bool:
    return sys.stderr.isatty()


SQL_HELP = "Read the rows of this SQL query (on --db) instead of a file."
DB_HELP = "Database URL for --sql: postgresql://, mysql://, mariadb://, sqlite:///file.db or duckdb:///file.duckdb."

#: The store option every command that reads or writes the store takes.
STORE_HELP = ("Store URL: sqlite:///file.db, postgresql://user@host/db, mysql://user@host/db "
              "[default: MLWRIGHT_STORE, else .mlwright/store.db in this folder].")


def store_option():
    return typer.Option(None, "--store", envvar="MLWRIGHT_STORE", help=STORE_HELP, show_envvar=False)


number = metric_text  # a metric as a table shows it: rounded, or '-' when there is none


def data_or_query(data: Optional[Path], sql: Optional[str], db: Optional[str], options: dict[str, Any]):
    """The file DATA, or the ``SqlQuery`` of --sql on --db: exactly one of them. Shared by the
    commands that read a table."""
    if data is not None and sql is not None:
        raise ConfigError("both DATA and --sql given.", where="DATA / --sql",
                          fix="read either a file or a query: leave one of them out.")
    if data is None and sql is None:
        raise ConfigError("no data given.", where="DATA / --sql",
                          fix="pass a file (e.g. data.csv) or a query (--sql 'SELECT * FROM t' --db URL).")
    if sql is None:
        return data
    if not db:
        raise ConfigError("--sql needs a database to run on.", where="--db",
                          fix="pass --db URL (e.g. postgresql://user@host:5432/db), or set MLWRIGHT_DB.")
    if options:
        raise ConfigError("--sep, --no-header and --columns describe files, not SQL queries.", where="--sql",
                          fix="leave them out: a query's columns have names and types already.")
    from mlwright.data.sql import SqlQuery

    return SqlQuery(sql, db)


def executor_for(backend: str, address: Optional[str], workers: int):
    """None for the local backend (the default of train and predict); a Dask executor,
    connected, for dask. ``--address`` without ``--backend dask`` is refused."""
    if backend == "local":
        if address is not None:
            raise ConfigError("--address needs --backend dask.", where="--address",
                              fix="add --backend dask, or leave --address out.")
        return None
    if backend != "dask":
        raise ConfigError(f"unknown backend {backend!r}.", where="--backend", fix="use local or dask.")
    if workers < 1:
        raise ConfigError(f"--workers must be at least 1, not {workers}.", where="--workers", fix="e.g. --workers 2.")
    from mlwright.execution.dask import DaskExecutor

    return DaskExecutor(address, workers=workers)


@contextmanager
def live_status(text: str) -> Iterator[Any]:
    """A spinner and a line of status on a terminal, updated with ``status.update(...)``;
    ``None`` elsewhere, where a log would fill with its frames."""
    if not is_terminal():
        yield None
        return
    with console.status(text, spinner="dots") as status:
        yield status


def print_recorded(info: dict) -> None:
    """The last lines of a command that trained something: where its run and its version are."""
    if info.get("run_id"):
        console.print(f"Run {info['run_id'][:8]} recorded (`mlwright runs show {info['run_id'][:8]}`)")
    if info.get("registered"):
        console.print(f"Registered as [bold]{info['registered']}[/]")


def jobs_option():
    return typer.Option(None, "--jobs", "-j", help="Threads a fit may use (default: every core other work leaves free).")


def check_jobs(jobs: int | None) -> None:
    if jobs is not None and jobs < 1:
        raise ConfigError(f"--jobs must be at least 1, got {jobs}.", where="--jobs", fix="give a number of threads.")


def keep_option():
    return typer.Option(None, "--keep", metavar="COLUMN",
                        help="Keep a column the checks would leave out (repeat for several).")


def register_option():
    return typer.Option(None, "--register", metavar="NAME", help="Register the result as the next version of NAME.")
