"""Partial dependence: follows a monotone relation, plain JSON, sensible grids for every kind."""

import json

import numpy as np
import pytest

from mlwright.errors import ConfigError
from mlwright.evaluate.explain.dependence import partial_dependence
from tests.unit.explain_models import blend_of, frame_for, signal_frame, single


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_follows_a_monotone_relation(task):
    model = single(task, "lightgbm")
    result = partial_dependence(model, signal_frame(task, seed=5), "signal", grid_points=12)
    average = np.asarray(result["average"])
    assert result["kind"] == "numeric" and len(result["grid"]) == 12 and result["grid"] == sorted(result["grid"])
    assert (np.diff(average) >= -0.05 * np.ptp(average)).all(), "rises with the signal (small tree wiggles aside)"
    assert average[-1] - average[0] > (0.5 if task == "binary" else 4.0)
    assert result["output"] == ("probability of yes" if task == "binary" else "predicted y")


def test_linear_model_dependence_is_strictly_monotone():
    result = partial_dependence(blend_of("regression", ("linear",)), signal_frame("regression"), "signal")
    assert (np.diff(result["average"]) > 0).all()


def test_every_kind_gives_plain_json():
    model = blend_of("mixed", ("lightgbm",))
    frame, _ = frame_for("mixed")
    results = {column: partial_dependence(model, frame, column, grid_points=5, max_rows=100)
               for column in ("x2", "colour", "size", "when")}
    json.dumps(results)
    assert results["colour"]["kind"] == "categorical" and set(results["colour"]["grid"]) == {"red", "green", "blue"}
    assert results["size"]["grid"] == ["small", "med", "big"], "an ordinal keeps its scale's order"
    assert results["when"]["kind"] == "datetime" and results["when"]["grid"][0].startswith("2021-")
    assert all(len(r["grid"]) == len(r["average"]) for r in results.values())


def test_multiclass_picks_a_class_and_bad_columns_are_refused():
    model = blend_of("multiclass", ("lightgbm",))
    frame = signal_frame("multiclass")
    high = partial_dependence(model, frame, "signal", class_="high", grid_points=6)
    assert high["output"] == "probability of high" and high["average"][-1] > high["average"][0]
    with pytest.raises(ConfigError, match="does not use column 'nope'"):
        partial_dependence(model, frame, "nope")
    mixed = blend_of("mixed", ("lightgbm",))
    with pytest.raises(ConfigError, match="'row_id'.*dropped at training"):
        partial_dependence(mixed, frame_for("mixed")[0], "row_id")
    with pytest.raises(ConfigError, match="grid_points"):
        partial_dependence(model, frame, "signal", grid_points=1)
