"""Fixed train/test splits, written once and given to every system as the same raw table.

Why a cache of parquet files: every system must see the identical frame, read from the raw file
exactly as it comes (pandas defaults, so '?', ' <=50K' and date strings stay as they are), and
the split must not depend on which environment runs it. Parquet keeps the dtypes pandas inferred
(bool, int, float, string) across the three environments; a CSV round trip would let each
environment re-infer them.

Split seeds: a dataset under ``SMALL_ROWS`` rows gets one split per seed of ``SMALL_SEEDS``
(its test set is small, so one split's score is noisy), any other one the seed-0 split only; a
source that ships its own test file has that one split. Each seed's split is cached apart, in
``<name>/seed<k>/``. The split seed is not the seed the systems are given.

Columns that restate the target (``manifest.TARGET_LEAKS``) are left out of both files when
asked (``drop``): the harness asks, so that every system is ranked on what a deployed model
could know.

Usage: python benchmarks/splits.py [--datasets DIR] [--seeds auto|0,1,2] [--keep-leaks] NAME [NAME ...]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from manifest import (ALL_SUITE, DEFAULT_DATASETS_DIR, REPO_ROOT, TARGET_LEAKS, Dataset, load_manifest, select,
                      suite_names)

SPLITS_DIR = REPO_ROOT / "benchmarks" / ".cache" / "splits"
SEED = 0  # the split seed of every dataset; small ones also get the others of SMALL_SEEDS
SMALL_ROWS = 2000
SMALL_SEEDS = (0, 1, 2)
TEST_SIZE = 0.2
CLASSIFICATION = ("binary", "multiclass")


def read_raw(path: Path, ds: Dataset) -> pd.DataFrame:
    """Read one raw file with pandas defaults: no cleaning, only the header the manifest gives."""
    if ds.columns:
        return pd.read_csv(path, sep=ds.sep, header=None, names=list(ds.columns))
    return pd.read_csv(path, sep=ds.sep)


def parquet_safe(df: pd.DataFrame) -> pd.DataFrame:
    """Cast object columns holding mixed Python types to strings, keeping missing values.

    Parquet needs one type per column; pandas can produce mixed columns (e.g. chunked type
    inference). Only those columns change, and only their non-missing values.
    """
    df = df.copy()
    for col in df.columns:
        if df[col].dtype == object and pd.api.types.infer_dtype(df[col], skipna=True).startswith("mixed"):
            df[col] = df[col].map(lambda v: v if pd.isna(v) else str(v)).astype(object)
    return df


def split_seeds(ds: Dataset, datasets_dir: Path) -> tuple[int, ...]:
    """The split seeds ``ds`` is scored on: ``SMALL_SEEDS`` under ``SMALL_ROWS`` rows, else (0,).

    The row count is the manifest's ``rows`` when it states one, else the raw file's; a source
    with its own test file has one split whatever its size.
    """
    if ds.test_file:
        return (SEED,)
    rows = ds.rows if ds.rows is not None else len(read_raw(datasets_dir / ds.file, ds))
    return SMALL_SEEDS if rows < SMALL_ROWS else (SEED,)


def parse_seeds(text: str | None, ds: Dataset, datasets_dir: Path) -> tuple[int, ...]:
    """``auto`` (or None): the rule of :func:`split_seeds`; otherwise the comma-separated seeds
    given, for every dataset (a shipped test file still has its one split)."""
    if text is None or text == "auto":
        return split_seeds(ds, datasets_dir)
    if ds.test_file:
        return (SEED,)
    return tuple(dict.fromkeys(int(t) for t in text.split(",") if t.strip()))


def make_split(ds: Dataset, datasets_dir: Path, seed: int = SEED,
               drop: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return (train, test): the source's own test file if it ships one, else a seeded 80/20 split,
    without the columns ``drop`` names (the rows split as they would with them).

    Classification splits are stratified on the target so that every class reaches the test set.
    A shipped test file is kept as it is (raw_adult's labels end in '.'); the runners' scoring
    code, not this module, reconciles such labels.
    """
    full = read_raw(datasets_dir / ds.file, ds)
    missing = [c for c in drop if c not in full.columns]
    if missing:
        raise SystemExit(f"{ds.name}: no column {', '.join(missing)} to leave out; update TARGET_LEAKS in "
                         "benchmarks/manifest.py")
    if ds.test_file:
        return full.drop(columns=list(drop)), read_raw(datasets_dir / ds.test_file, ds).drop(columns=list(drop))
    stratify = full[ds.target] if ds.task in CLASSIFICATION else None
    train, test = train_test_split(full, test_size=TEST_SIZE, random_state=seed, stratify=stratify)
    return train.drop(columns=list(drop)), test.drop(columns=list(drop))


def _source_signature(ds: Dataset, datasets_dir: Path, seed: int, drop: tuple[str, ...]) -> dict:
    """What the cached split was made from; a change in any of it remakes the split."""
    files = [ds.file] + ([ds.test_file] if ds.test_file else [])
    signature = {
        "files": {f: (datasets_dir / f).stat().st_size for f in files},
        "target": ds.target, "task": ds.task, "seed": seed, "test_size": TEST_SIZE,
        "sep": ds.sep, "columns": list(ds.columns) if ds.columns else None,
    }
    if drop:  # absent when nothing is left out, so caches made before this key stay valid
        signature["left_out"] = list(drop)
    return signature


def leaks(ds: Dataset, keep_leaks: bool) -> tuple[str, ...]:
    """The columns to leave out of ``ds``'s split: its target leaks, unless they are kept."""
    return () if keep_leaks else TARGET_LEAKS.get(ds.name, ())


def split_dir(ds: Dataset, seed: int = SEED, splits_dir: Path = SPLITS_DIR) -> Path:
    return splits_dir / ds.name / f"seed{seed}"


def ensure_split(ds: Dataset, datasets_dir: Path, splits_dir: Path = SPLITS_DIR,
                 seed: int = SEED, drop: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """Write ``<splits_dir>/<name>/seed<seed>/{train,test}.parquet`` unless an up-to-date copy exists
    (one without the columns of ``drop``; a split made with other columns is remade)."""
    out = split_dir(ds, seed, splits_dir)
    train_path, test_path, meta_path = out / "train.parquet", out / "test.parquet", out / "meta.json"
    signature = _source_signature(ds, datasets_dir, seed, drop)
    fresh = train_path.is_file() and test_path.is_file() and meta_path.is_file()
    if fresh and json.loads(meta_path.read_text()).get("source") == signature:
        return train_path, test_path
    out.mkdir(parents=True, exist_ok=True)
    train, test = make_split(ds, datasets_dir, seed, drop)
    for frame, path in ((train, train_path), (test, test_path)):
        tmp = path.with_suffix(".tmp")
        parquet_safe(frame).to_parquet(tmp, index=False)
        os.replace(tmp, path)  # a killed run never leaves a half-written split behind
    meta = {"source": signature, "left_out": list(drop), "rows": {"train": len(train), "test": len(test)},
            "columns": len(train.columns), "dtypes": train.dtypes.astype(str).value_counts().to_dict()}
    meta_path.write_text(json.dumps(meta, indent=2) + "\n")
    return train_path, test_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+", help="dataset names from the manifest, or 'all'")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR,
                        help="folder holding manifest.toml and the raw files")
    parser.add_argument("--seeds", default="auto",
                        help=f"split seeds: auto ({','.join(map(str, SMALL_SEEDS))} under {SMALL_ROWS:,} rows, "
                             "else 0) or comma-separated seeds")
    parser.add_argument("--keep-leaks", action="store_true",
                        help="keep the columns that restate the target (left out by default, as the harness does)")
    args = parser.parse_args()
    manifest = load_manifest(args.datasets)
    names = suite_names(ALL_SUITE, manifest) if args.names == [ALL_SUITE] else args.names
    for ds in select(manifest, names):
        for seed in parse_seeds(args.seeds, ds, args.datasets):
            train_path, test_path = ensure_split(ds, args.datasets, seed=seed, drop=leaks(ds, args.keep_leaks))
            meta = json.loads((train_path.parent / "meta.json").read_text())
            rows = meta["rows"]
            print(f"{ds.name} seed {seed}: train {rows['train']} rows, test {rows['test']} rows, "
                  f"{meta.get('columns')} columns -> {train_path.parent.relative_to(REPO_ROOT)}", flush=True)


if __name__ == "__main__":
    main()
