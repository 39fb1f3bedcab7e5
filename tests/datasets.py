"""The benchmark datasets, for the sweeps that run over all of them.

They are not part of the repository: the tests look for ``shared/datasets`` beside it (override
with MLWRIGHT_DATASETS=/path/to/datasets). Where the folder or its ``manifest.toml`` is missing, the
tests that need it skip and say where they looked; with MLWRIGHT_REQUIRE_DATASETS=1 (set by .ci/run)
that skip is a failure, so CI always runs them. What the tests must always check is done on small
files in tests/fixtures and on tables the tests generate.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pandas as pd

from mlwright.data.readers import read_table
from tests.requirements import missing

DEFAULT_FOLDER = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
#: The id of the one test a sweep has when there is no manifest to build its list from.
MISSING = "datasets-missing"


def datasets_folder() -> Path:
    override = os.environ.get("MLWRIGHT_DATASETS")
    return Path(override).expanduser().resolve() if override else DEFAULT_FOLDER


def manifest() -> dict[str, dict]:
    """The manifest's entries by dataset name; empty when the datasets are not there."""
    path = datasets_folder() / "manifest.toml"
    if not path.is_file():
        return {}
    with open(path, "rb") as handle:
        return tomllib.load(handle)


def require_datasets() -> dict[str, dict]:
    """The manifest's entries; skip (or fail, when the datasets are required) if they are missing."""
    entries = manifest()
    if not entries:
        reason = (f"benchmark datasets not found at {datasets_folder()} (no manifest.toml there); "
                  "set MLWRIGHT_DATASETS or put shared/datasets beside the repository")
        missing("DATASETS", reason)
    return entries


def dataset_names(keep=lambda name, entry: True) -> list[str]:
    """Names for a sweep's ``parametrize``, chosen from the manifest at import time.

    Without the datasets the list is ``[MISSING]``: one test that calls ``read_dataset`` (or
    ``require_datasets``) and so skips with the reason, rather than an empty, silent sweep.
    """
    return sorted(name for name, entry in manifest().items() if keep(name, entry)) or [MISSING]


def read_dataset(name: str) -> tuple[pd.DataFrame, dict]:
    """One benchmark table, read as its manifest entry says, with that entry."""
    entry = require_datasets()[name]
    options = {"header": False, "columns": entry["columns"]} if entry.get("header") is False else {}
    return read_table(datasets_folder() / entry["file"], sep=entry.get("sep"), **options), entry
