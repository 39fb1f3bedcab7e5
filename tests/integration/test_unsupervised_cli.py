"""`mlwright cluster` and `mlwright anomalies` as a user runs them: a file in, a model folder and every row's answer out,
the run recorded, new rows assigned by `mlwright predict`, and one-line errors for bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score

from tests.conftest import run_cli


@pytest.fixture(scope="module")
def customers(tmp_path_factory):
    X, y = make_blobs(n_samples=360, centers=3, n_features=3, cluster_std=1.2, random_state=7)
    frame = pd.DataFrame(X, columns=["age", "income", "visits"])
    frame["plan"] = np.where(y == 2, "basic", np.where(y == 1, "pro", "family"))
    frame["customer_id"] = np.arange(len(frame)) + 1000  # an identifier: left out
    frame["email"] = [f"person{i}@example.org" for i in range(len(frame))]  # personal: left out
    folder = tmp_path_factory.mktemp("customers")
    path = folder / "customers.csv"
    frame.to_csv(path, index=False)
    return path, y


def test_cluster_writes_the_model_and_every_row_s_cluster(customers, tmp_path):
    path, y = customers
    done = run_cli("cluster", str(path), "--time-limit", "30", "--out", str(tmp_path / "run"), "--register", "segments",
                   cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "3 clusters" in done.stdout and "mostly plan =" in done.stdout
    assert "'customer_id' not used" in done.stdout and "'email' not used" in done.stdout
    labels = pd.read_csv(tmp_path / "run" / "clusters.csv")["cluster"].to_numpy()
    assert len(labels) == len(y) and adjusted_rand_score(y, labels) > 0.9
    manifest = json.loads((tmp_path / "run" / "model" / "manifest.json").read_text())
    used = [c["name"] for c in manifest["input_schema"] if c["kind"] not in ("identifier", "personal")]
    assert set(used) == {"age", "income", "visits", "plan"}

    new = pd.read_csv(path).head(25).drop(columns=["customer_id", "email"])
    new.to_csv(tmp_path / "new.csv", index=False)
    assert "Registered as models:/segments/1" in done.stdout
    scored = run_cli("predict", "models:/segments/latest", str(tmp_path / "new.csv"), "-o",
                     str(tmp_path / "new_clusters.csv"), cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    assert (pd.read_csv(tmp_path / "new_clusters.csv")["cluster"].to_numpy() == labels[:25]).all()

    import re

    import mlwright

    run_id = re.search(r"Run ([0-9a-f]{8}) recorded", done.stdout).group(1)
    store = mlwright.open_store()  # the tests' store (MLWRIGHT_STORE), which the command wrote to
    try:
        run = next(r for r in store.runs.list() if r.id.startswith(run_id))
    finally:
        store.close()
    assert run.status == "finished" and run.task == "clustering"
    assert run.metrics["clusters"] == 3 and run.metrics["stability"] >= 0.75


@pytest.mark.parametrize("args, problem", [
    (("--k", "1"), "k must be at least 2"),
    (("--k", "lots"), "whole number"),
])
def test_bad_k_is_one_line_with_the_fix(customers, tmp_path, args, problem):
    path, _ = customers
    done = run_cli("cluster", str(path), *args, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("error:") and problem in done.stderr and "Fix:" in done.stderr


def test_tables_that_cannot_be_clustered_are_one_line_errors(tmp_path):
    pd.DataFrame({"a": [1.5], "b": ["x"]}).to_csv(tmp_path / "one.csv", index=False)
    pd.DataFrame({"a": [1] * 30, "b": ["same"] * 30}).to_csv(tmp_path / "constant.csv", index=False)
    pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0]}).to_csv(tmp_path / "four.csv", index=False)
    for name, args, problem in (("one.csv", (), "1 row: clustering needs at least 3"),
                                ("constant.csv", (), "no usable feature columns"),
                                ("four.csv", ("--k", "5"), "cannot form 5 clusters")):
        done = run_cli("cluster", str(tmp_path / name), *args, cwd=tmp_path)
        assert done.returncode == 2, done.stdout
        assert "Traceback" not in done.stderr and problem in done.stderr and name in done.stderr


def test_assigning_rows_needs_neither_scikit_learn_nor_the_search(customers, tmp_path):
    path, _ = customers
    from mlwright.unsupervised.cluster import cluster

    cluster(pd.read_csv(path), k=3, time_limit=20, out=tmp_path / "api", store=False)
    code = (f"import mlwright, pandas as pd\nm = mlwright.load({str(tmp_path / 'api' / 'model')!r})\n"
            f"m.predict(pd.read_csv({str(path)!r}).head(5))")
    from tests.unit.test_import_costs import NOT_FOR_SCORING, _loaded_after, _present

    assert _present(_loaded_after(code), NOT_FOR_SCORING) == []


def test_anomalies_writes_scores_flags_and_reasons_and_predict_scores_new_rows(tmp_path):
    from tests.unit.test_anomalies import transactions

    frame, planted = transactions()
    frame.to_csv(tmp_path / "transactions.csv", index=False)
    done = run_cli("anomalies", str(tmp_path / "transactions.csv"), "--out", str(tmp_path / "run"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "rows flagged as anomalies" in done.stdout and "amount = " in done.stdout
    written = pd.read_csv(tmp_path / "run" / "anomalies.csv")
    assert len(written) == len(frame) and written.loc[planted, "is_anomaly"].mean() >= 0.9
    scored = run_cli("predict", str(tmp_path / "run"), str(tmp_path / "transactions.csv"), "-o",
                     str(tmp_path / "scores.csv"), cwd=tmp_path)
    assert scored.returncode == 0, scored.stderr
    np.testing.assert_allclose(pd.read_csv(tmp_path / "scores.csv")["anomaly_score"], written["anomaly_score"],
                               atol=1e-12)
    code = (f"import mlwright, pandas as pd\nm = mlwright.load({str(tmp_path / 'run' / 'model')!r})\n"
            f"m.score_samples(pd.read_csv({str(tmp_path / 'transactions.csv')!r}).head(5))")
    from tests.unit.test_import_costs import NOT_FOR_SCORING, _loaded_after, _present

    assert _present(_loaded_after(code), NOT_FOR_SCORING) == []
    bad = run_cli("anomalies", str(tmp_path / "transactions.csv"), "--contamination", "2", cwd=tmp_path)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "between 0 and 0.5" in bad.stderr
