"""The data checks inside ``train``: leaks and personal data never reach the model, and say so."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.serve.batch import score_file
from tests.conftest import FIXTURES

QUICK = dict(time_limit=60, max_trials=1, families=("linear",), folds=3, progress=False)


def _people(rows: int = 300, seed: int = 3) -> pd.DataFrame:
    """An honest signal beside an e-mail column and a card-number column."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    first = rng.choice(["ana", "bo", "cy", "dee", "eli", "fay"], rows)
    return pd.DataFrame({
        "x": x, "plan": rng.choice(["basic", "pro"], rows),
        "email": [f"{name}.{i}@example.org" for i, name in enumerate(first)],
        "card": [_luhn_number(rng) for _ in range(rows)],
        "churned": np.where(x + rng.normal(scale=0.5, size=rows) > 0, "yes", "no"),
    })


def _luhn_number(rng: np.random.Generator) -> str:
    digits = [4] + list(rng.integers(0, 10, 14))
    total = sum(d if i % 2 else (2 * d - 9 if 2 * d > 9 else 2 * d) for i, d in enumerate(reversed(digits)))
    return "".join(map(str, digits + [(10 - total % 10) % 10]))


def test_titanic_leak_is_dropped_and_reported(tmp_path):
    model = mlwright.train(FIXTURES / "titanic.csv.gz", "survived", out=tmp_path, **QUICK)
    assert model.info["excluded_columns"]["alive"] == "leak"
    assert "alive" not in model.feature_names_in_
    assert {"class", "embark_town"} <= {c for c, kind in model.info["excluded_columns"].items() if kind == "duplicate"}
    leak = [f for f in model.info["findings"] if f["kind"] == "target_leak"]
    assert [f["column"] for f in leak] == ["alive"] and leak[0]["severity"] == "critical"
    assert "dropped" in leak[0]["action"]
    assert model.info["estimate"]["value"] < 0.97, "without the leak titanic is not perfectly predictable"
    assert "alive" in (tmp_path / "profile.html").read_text()
    reloaded = mlwright.load(tmp_path)
    assert reloaded.info["excluded_columns"]["alive"] == "leak", "the dropped columns are recorded with the model"


def test_keep_columns_trains_on_a_flagged_column(tmp_path):
    model = mlwright.train(FIXTURES / "titanic.csv.gz", "survived", keep_columns=["alive"], **QUICK)
    assert "alive" in model.feature_names_in_
    assert model.info["kept_despite_findings"] == ["alive"]
    assert model.info["estimate"]["value"] > 0.99, "the leak, kept on purpose, gives the answer away"


def test_keep_columns_must_name_existing_columns():
    with pytest.raises(mlwright.MlwrightError, match="keep_columns"):
        mlwright.train(FIXTURES / "titanic.csv.gz", "survived", keep_columns=["no_such"], **QUICK)


def test_taxis_total_is_a_leak_of_the_tip():
    model = mlwright.train(FIXTURES / "taxis_head.csv.gz", "tip", **QUICK)
    assert model.info["excluded_columns"].get("total") == "leak"
    assert {"fare", "tolls"} <= set(model.feature_names_in_), "the honest parts of the identity stay"


def test_personal_data_is_excluded_masked_and_ignored_at_predict(tmp_path):
    frame = _people()
    model = mlwright.train(frame, "churned", out=tmp_path, **QUICK)
    assert model.info["excluded_columns"] == {"email": "personal", "card": "personal"}
    assert set(model.feature_names_in_) == {"x", "plan"}
    secrets = [frame["email"][7], frame["card"][7]]
    for path in tmp_path.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert not any(s.encode() in content for s in secrets), f"a personal value leaked into {path.name}"
    scrambled = frame.drop(columns="churned").assign(email="someone@else.org", card="4111111111111111")
    assert np.allclose(model.predict_proba(frame.drop(columns="churned")), model.predict_proba(scrambled)), \
        "personal columns arriving at predict time are never read"


def test_batch_scoring_masks_a_used_column_that_turns_personal(tmp_path):
    rng = np.random.default_rng(5)
    rows = 300
    x = rng.normal(size=rows)
    frame = pd.DataFrame({"x": x, "contact": rng.choice(["phone", "mail", "visit"], rows),
                          "y": np.where(x > 0, "a", "b")})
    model = mlwright.train(frame, "y", **QUICK)
    assert "contact" in model.feature_names_in_
    batch = frame.drop(columns="y").assign(contact=[f"user{i}@example.com" for i in range(rows)])
    batch.to_csv(tmp_path / "in.csv", index=False)
    report = score_file(model, tmp_path / "in.csv", tmp_path / "out.csv")
    assert any("'contact' looks like personal data" in w for w in report.warnings)
    scored = pd.read_csv(tmp_path / "out.csv")
    assert not scored.astype(str).apply(lambda c: c.str.contains("@")).any().any()
    expected = model.predict_proba(batch.assign(contact=None))
    assert np.allclose(scored.filter(like="proba_").to_numpy(), expected.to_numpy(), atol=1e-6)


def test_of_a_relabelled_pair_the_ordered_column_is_kept():
    from tests.conftest import ADULT_COLUMNS

    model = mlwright.train(FIXTURES / "adult_raw_head.csv.gz", "income", read_options={"columns": ADULT_COLUMNS},
                           **QUICK)
    assert model.info["excluded_columns"].get("education") == "duplicate"
    assert "education-num" in model.feature_names_in_, "the numeric code keeps the order of the levels"
