"""The datasets the harness knows: the shared manifest and the named suites.

The manifest (``manifest.toml`` in the shared datasets folder) is the single source of truth for
each dataset's file, target, task and primary metric; this module only reads it, so adding a
dataset there is enough to benchmark it. The suites name which entries a default run covers.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATASETS_DIR = REPO_ROOT.parent / "shared" / "datasets"

# Tasks the runners can score; the manifest also lists forecast and text tasks, which need
# their own protocol and are refused with a clear message rather than run wrongly.
SUPPORTED_TASKS = ("binary", "multiclass", "regression")

DEFAULT_SUITE = (
    "pmlb_adult", "pmlb_magic", "pmlb_spambase", "pmlb_phoneme", "pmlb_churn", "pmlb_satimage",
    "pmlb_vehicle", "pmlb_credit_g", "pmlb_wine_quality_white", "pmlb_574_house_16H",
    "pmlb_197_cpu_act", "seaborn_diamonds",
)
# The full suite adds raw tables (strings, '?', dates, leaks) that test each system's cleaning.
FULL_SUITE = DEFAULT_SUITE + ("raw_adult", "seaborn_titanic", "seaborn_taxis")
SUITES = {"default": DEFAULT_SUITE, "full": FULL_SUITE}
#: Columns that restate the target, as the manifest's notes say of them. They are taken out of
#: every system's table before the accuracy ranking (``run.py --keep-leaks`` keeps them): a peer
#: that trains on them scores near-perfectly on a test split that holds them too, which measures
#: the leak, not the model, and a model that needs the answer to predict it cannot be deployed.
#: mlwright finds and drops both by itself; its tests and the training report show that.
TARGET_LEAKS: dict[str, tuple[str, ...]] = {
    "seaborn_titanic": ("alive",),  # 'alive' restates 'survived'
    "seaborn_taxis": ("total",),  # 'total' = fare + tip + tolls, with 'tip' the target
}
# "all" is not a fixed list: it is every entry of the manifest read with a supported task, so a
# dataset added to the manifest joins it (see ``suite_names``).
ALL_SUITE = "all"
SUITE_CHOICES = (*SUITES, ALL_SUITE)


@dataclass(frozen=True)
class Dataset:
    """One manifest entry, with only the fields the harness uses."""

    name: str
    file: str
    target: str
    task: str
    metric: str
    sep: str = ","
    columns: tuple[str, ...] | None = None  # given when the raw file has no header row
    test_file: str | None = None  # given when the source ships its own test set
    rows: int | None = None  # as the manifest states it (the training file's rows)


def load_manifest(datasets_dir: Path) -> dict[str, Dataset]:
    """Read ``manifest.toml`` from ``datasets_dir`` into ``{name: Dataset}``."""
    path = Path(datasets_dir) / "manifest.toml"
    if not path.is_file():
        raise FileNotFoundError(f"no manifest.toml in {datasets_dir}; pass --datasets DIR")
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    out = {}
    for name, entry in raw.items():
        header = entry.get("header", True)
        out[name] = Dataset(
            name=name,
            file=entry["file"],
            target=entry["target"],
            task=entry["task"],
            metric=entry["metric"],
            sep=entry.get("sep", ","),
            columns=None if header else tuple(entry["columns"]),
            test_file=entry.get("test_file"),
            rows=entry.get("rows"),
        )
    return out


def suite_names(suite: str, manifest: dict[str, Dataset]) -> list[str]:
    """The dataset names of a suite: a fixed one, or ``all`` (every supervised tabular entry of
    ``manifest``, in manifest order; text and forecast entries are left out)."""
    if suite == ALL_SUITE:
        return [name for name, ds in manifest.items() if ds.task in SUPPORTED_TASKS]
    if suite not in SUITES:
        raise SystemExit(f"unknown suite {suite!r}; known: {', '.join(SUITE_CHOICES)}")
    return list(SUITES[suite])


def select(manifest: dict[str, Dataset], names: list[str]) -> list[Dataset]:
    """Return the named datasets, refusing unknown names and tasks the runners cannot score."""
    unknown = [n for n in names if n not in manifest]
    if unknown:
        raise SystemExit(f"unknown dataset(s) {unknown}; the manifest lists {sorted(manifest)}")
    chosen = [manifest[n] for n in names]
    unsupported = [d.name for d in chosen if d.task not in SUPPORTED_TASKS]
    if unsupported:
        raise SystemExit(f"dataset(s) {unsupported} have tasks the harness cannot score; "
                         f"supported tasks: {SUPPORTED_TASKS}")
    return chosen
