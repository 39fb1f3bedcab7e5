"""What each entry point imports: a command loads the libraries of the stages it runs, no more.

Each check runs in a fresh interpreter and reads ``sys.modules`` afterwards, so it is exact and
does not depend on how fast the machine is. The wall times themselves are measured in
``benchmarks/startup.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

import mlwright
from tests.conftest import make_mixed_frame

#: Libraries no scoring of a LightGBM model needs: scikit-learn (which `import lightgbm` loads),
#: other families, the store, reports, tuning.
NOT_FOR_SCORING = ("sklearn", "scipy", "skops", "xgboost", "catboost", "sqlalchemy", "alembic", "plotly",
                   "fairlearn", "optuna", "jinja2", "onnx", "onnxruntime", "fastapi", "mlwright.profile.leakage",
                   "mlwright.search", "mlwright.report")


def _loaded_after(code: str) -> set[str]:
    """The modules loaded after running ``code`` in a new interpreter."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _present(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in modules or any(m.startswith(name + ".") for m in modules)]


@pytest.fixture(scope="module")
def lightgbm_model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lgbm") / "model"
    model = mlwright.train(make_mixed_frame(), "label", store=False, time_limit=60, max_trials=1, folds=2,
                           families=("lightgbm",), progress=False)
    model.save(folder)
    return folder


def test_the_help_loads_no_data_or_model_library():
    loaded = _loaded_after("import sys; sys.argv = ['mlwright', '--help']\n"
                           "from mlwright.cli.app import app\n"
                           "try:\n    app()\nexcept SystemExit:\n    pass")
    assert _present(loaded, ("pandas", "numpy", "sklearn", "lightgbm", "sqlalchemy", "plotly")) == []


def test_loading_and_scoring_a_lightgbm_model_leaves_the_other_stages_unloaded(lightgbm_model, mixed_frame):
    row = mixed_frame.drop(columns=["label"]).head(1).to_json(orient="records")
    loaded = _loaded_after(f"import mlwright, pandas\nmodel = mlwright.load({str(lightgbm_model)!r})\n"
                           f"model.predict_proba(pandas.read_json(__import__('io').StringIO({row!r})))")
    assert "mlwright.models.lightgbm_native" in loaded  # scored through LightGBM's C API...
    assert _present(loaded, ("lightgbm", *NOT_FOR_SCORING)) == []  # ...so its package, and sklearn, stay out


def test_predict_command_on_a_file_leaves_the_other_stages_unloaded(lightgbm_model, mixed_frame, tmp_path):
    rows = tmp_path / "one_row.csv"
    mixed_frame.drop(columns=["label"]).head(1).to_csv(rows, index=False)
    out = tmp_path / "scored.csv"
    loaded = _loaded_after("import sys\nsys.argv = ['mlwright', 'predict', "
                           f"{str(lightgbm_model)!r}, {str(rows)!r}, '-o', {str(out)!r}]\n"
                           "from mlwright.cli.app import app\n"
                           "try:\n    app()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code")
    assert out.exists()
    assert _present(loaded, NOT_FOR_SCORING) == []


def test_a_family_library_loads_only_when_the_family_is_used():
    loaded = _loaded_after("import mlwright.models.registry as r\n"
                           "assert {'lightgbm', 'catboost', 'xgboost', 'random_forest'} <= set(r.FAMILIES)")
    assert _present(loaded, ("lightgbm", "xgboost", "catboost", "skops", "sklearn")) == []


def test_the_process_start_is_before_the_imports():
    script = ("import time\nbefore = time.time()\n"
              "from mlwright.cli.common import process_started\nprint(before - process_started())")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    # the interpreter started before the script's first line ran (create_time has 10 ms ticks)
    assert float(done.stdout) >= -0.02


def test_the_budget_counts_from_the_time_given(mixed_frame):
    started_at = time.time() - 20  # as if the process had spent 20 s starting up
    model = mlwright.train(mixed_frame, "label", store=False, time_limit=60, max_trials=1, folds=2,
                           families=("lightgbm",), progress=False, started_at=started_at)
    assert model.info["train_seconds"] >= 20


def test_listing_runs_loads_the_store_and_no_data_library(tmp_path):
    store = f"sqlite:///{tmp_path / 'store.db'}"
    loaded = _loaded_after("import sys\nsys.argv = ['mlwright', 'runs', 'list', '--store', "
                           f"{store!r}]\nfrom mlwright.cli.app import app\n"
                           "try:\n    app()\nexcept SystemExit as exit:\n    assert not exit.code, exit.code")
    assert "sqlalchemy" in loaded
    assert _present(loaded, ("pandas", "sklearn", "lightgbm", "scipy", "plotly")) == []
