"""explain_rows: one tidy long table whose contributions add up to each row's prediction."""

import numpy as np
import pytest

from mlwright.errors import ConfigError, DataError, SchemaError
from mlwright.evaluate.explain.rows import OTHER_COLUMNS, explain_rows
from tests.unit.explain_models import blend_of, frame_for, signal_frame, single


def _sums(table):
    per_row = table.groupby("row").agg(prediction=("prediction", "first"), base=("base", "first"),
                                       total=("contribution", "sum"))
    return per_row.base + per_row.total - per_row.prediction


def test_long_table_adds_up_and_explains_the_positive_class():
    model = single("binary", "lightgbm")
    rows = signal_frame("binary", rows=25, seed=3).drop(columns="y")
    table = explain_rows(model, rows)
    assert list(table.columns) == ["row", "class", "prediction", "base", "column", "value", "contribution"]
    assert len(table) == 25 * 3 and list(table["row"].unique()) == list(range(25))
    assert (table["class"] == "yes").all()
    assert np.abs(_sums(table)).max() < 1e-9
    np.testing.assert_allclose(table.groupby("row")["prediction"].first(), model.predict_proba(rows)["yes"])
    first = table[table["row"] == 0]
    assert (np.diff(first["contribution"].abs().to_numpy()) <= 0).all(), "largest contribution first"
    assert first.set_index("column").loc["shade", "value"] == rows["shade"].iloc[0]


def test_top_folds_the_rest_into_one_line_and_keeps_the_sums(tmp_path):
    model = blend_of("mixed", ("lightgbm", "linear"))
    frame, _ = frame_for("mixed")
    path = tmp_path / "rows.csv"
    frame.head(7).drop(columns="label").to_csv(path, index=False)
    table = explain_rows(model, path, top=2)
    assert (table.groupby("row").size() == 3).all()
    assert (table.groupby("row")["column"].last() == OTHER_COLUMNS).all()
    assert np.abs(_sums(table)).max() < 1e-9


def test_multiclass_explains_the_predicted_class_unless_told():
    model = blend_of("multiclass", ("lightgbm", "knn"))
    rows = signal_frame("multiclass", rows=30, seed=4)
    table = explain_rows(model, rows)
    predicted = model.predict(rows)
    assert (table.groupby("row")["class"].first().to_numpy() == predicted.to_numpy()).all()
    assert "(unexplained)" in set(table["column"]), "k-NN's share has its own line"
    chosen = explain_rows(model, rows, class_="low")
    assert (chosen["class"] == "low").all() and np.abs(_sums(chosen)).max() < 1e-9


def test_regression_rows_have_no_class_column():
    table = explain_rows(blend_of("regression", ("xgboost",)), signal_frame("regression", rows=5))
    assert "class" not in table.columns and np.abs(_sums(table)).max() < 1e-4


def test_bad_input_is_refused_with_a_clear_message():
    model = blend_of("binary", ("lightgbm",))
    rows = signal_frame("binary", rows=5)
    with pytest.raises(SchemaError, match="missing columns the model needs: signal"):
        explain_rows(model, rows.drop(columns="signal"))
    with pytest.raises(DataError, match="no rows"):
        explain_rows(model, rows.head(0))
    with pytest.raises(ConfigError, match="no class 'maybe'.*no, yes"):
        explain_rows(model, rows, class_="maybe")
    with pytest.raises(ConfigError, match="top"):
        explain_rows(model, rows, top=0)
    with pytest.raises(ConfigError, match="predicts numbers"):
        explain_rows(blend_of("regression", ("lightgbm",)), signal_frame("regression", rows=5), class_="x")
