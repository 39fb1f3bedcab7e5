"""Shared fixtures: small real files (copied from the benchmark datasets) and generated tables."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                 "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
                 "native-country", "income"]
#: Small, fast settings for training inside tests: the budget is never the binding limit.
FAST = dict(time_limit=120, max_trials=4, families=("lightgbm", "linear", "extra_trees"), folds=3, progress=False)


def pytest_terminal_summary(terminalreporter) -> None:
    """What the suite's times depend on, at the foot of every run's log (``-q`` hides the
    header): the cores it may use, its priority, how busy the machine was over the last 1, 5
    and 15 minutes, and any OpenMP settings it inherited."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    omp = {k: v for k, v in os.environ.items() if k.startswith(("OMP_", "GOMP_"))}
    terminalreporter.write_line(f"machine: {len(os.sched_getaffinity(0))} of {os.cpu_count()} cores; nice {os.nice(0)}; "
                                f"load average {load}; OpenMP settings: {omp or 'none'}")


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


def make_mixed_frame(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """A binary problem with every column kind: numbers, categories, dates, text, ids, missing values."""
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=rows)
    colour = rng.choice(["red", "green", "blue"], size=rows)
    size = rng.choice(["small", "med", "big"], size=rows)
    when = pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D")
    logit = 1.5 * x1 + (colour == "red") * 1.2 - (size == "small") * 0.8
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({
        "row_id": np.arange(rows), "x1": x1, "x2": rng.uniform(0, 10, rows), "colour": colour, "size": size,
        "when": when.strftime("%Y-%m-%d"), "constant": "same",
        "note": [f"customer said {w} things about order {i}" for i, w in enumerate(rng.choice(["good", "bad"], rows))],
        "label": label,
    })
    frame.loc[rng.choice(rows, rows // 12, replace=False), "x2"] = np.nan
    return frame


@pytest.fixture
def mixed_frame() -> pd.DataFrame:
    return make_mixed_frame()


def ten_class_matrix(rows: int = 3_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Encoded rows and a 10-class label from a nonlinear, noisy function of them: a booster's
    fit on it keeps improving for well over a hundred rounds."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 8))
    y = np.digitize(X[:, 0] + np.sin(2 * X[:, 1]) + 0.5 * X[:, 2] * X[:, 3] + 0.3 * rng.normal(size=rows),
                    np.quantile(X[:, 0], np.linspace(0.1, 0.9, 9)))
    return X, y


def make_regression_frame(rows: int = 300, seed: int = 1) -> pd.DataFrame:
    """A regression problem: a linear and a squared input, and a category that shifts the target."""
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    group = rng.choice(["p", "q", "r"], size=rows)
    y = 3 * a - 2 * b ** 2 + (group == "p") * 2 + rng.normal(scale=0.3, size=rows)
    return pd.DataFrame({"a": a, "b": b, "group": group, "y": y})


@pytest.fixture
def regression_frame() -> pd.DataFrame:
    return make_regression_frame()


@pytest.fixture
def multiclass_frame() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    rows = 360
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    label = np.select([a + b > 0.7, a - b > 0.5], ["alpha", "beta"], default="gamma")
    return pd.DataFrame({"a": a, "b": b, "noise": rng.normal(size=rows), "label": label})


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run the installed command line in a fresh process, as a user would."""
    return subprocess.run([sys.executable, "-m", "mlwright", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=timeout)


#: A spec with one test that passes and one that must fail (recall of 1.0 is out of reach).
MODEL_TESTS_YAML = """tests:
  - name: beats guessing on AUC
    minimum: {metric: roc_auc, value: 0.7}
  - name: finds every survivor
    minimum: {metric: recall, value: 1.0}
  - invariance: {column: embarked, max_change: 0.5}
"""


@pytest.fixture(scope="session")
def reported_run(tmp_path_factory):
    """One real training run with everything the report can show: a test file, a sensitive
    column kept out of the features, model tests, a stated intended use. Trained once per session."""
    import mlwright

    root = tmp_path_factory.mktemp("reported")
    titanic = pd.read_csv(FIXTURES / "titanic.csv.gz")
    train_part, test_part = titanic.iloc[:700], titanic.iloc[700:]
    train_part.to_csv(root / "train.csv", index=False)
    test_part.to_csv(root / "test.csv", index=False)
    (root / "checks.yml").write_text(MODEL_TESTS_YAML)
    model = mlwright.train(root / "train.csv", "survived", out=root / "run", test=root / "test.csv",
                           model_tests=root / "checks.yml", sensitive=("sex",), intended_use="a teaching example",
                           **{**FAST, "families": ("lightgbm", "linear")})
    return model, root


# Real database servers, one fresh database per test (see tests/databases.py).
from tests.databases import database_url, mariadb_url, postgres_url, sqlite_url  # noqa: E402,F401


@pytest.fixture(autouse=True, scope="session")
def _session_store(tmp_path_factory):
    """Runs trained by the tests go to a store of the session's own, never to the working folder."""
    import os

    folder = tmp_path_factory.mktemp("store")
    previous = {k: os.environ.get(k) for k in ("MLWRIGHT_STORE", "MLWRIGHT_ARTIFACTS")}
    os.environ["MLWRIGHT_STORE"] = f"sqlite:///{folder / 'store.db'}"
    os.environ.pop("MLWRIGHT_ARTIFACTS", None)
    yield folder
    for key, value in previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
