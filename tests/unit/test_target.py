from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from mlwright._types import Task
from mlwright.config import TrainConfig
from mlwright.data.target import analyze_target
from mlwright.errors import ConfigError, DataError
from mlwright.evaluate.metrics import get_metric


def test_label_written_two_ways_is_one_class():
    frame = pd.DataFrame({"y": ["<=50K", "<=50K.", ">50K", ">50K.", " <=50K"]})
    info, labels, notes = analyze_target(frame, "y", None)
    assert info.task is Task.BINARY
    assert info.classes == ("<=50K", ">50K")
    assert any("trailing '.'" in n for n in notes)


@pytest.mark.parametrize("values,task", [
    ([0, 1, 1, 0], Task.BINARY), (["a", "b", "c", "a"], Task.MULTICLASS),
    ([3, 4, 5, 6, 7, 5], Task.MULTICLASS), ([0.5, 1.25, 3.0, 2.2, 9.1], Task.REGRESSION),
    (["'-1'", "'1'", "'-1'"], Task.BINARY),
])
def test_task_inference(values, task):
    info, _, _ = analyze_target(pd.DataFrame({"y": values}), "y", None)
    assert info.task is task


def test_rows_without_label_are_dropped_with_a_note():
    info, labels, notes = analyze_target(pd.DataFrame({"y": ["a", None, "b", "?", "a"]}), "y", None)
    assert len(labels) == 3 and any("2 rows" in n for n in notes)


def test_bad_targets_say_what_and_how_to_fix():
    with pytest.raises(DataError, match="one value only.*Fix:"):
        analyze_target(pd.DataFrame({"y": [1, 1, 1]}), "y", None)
    with pytest.raises(DataError, match="no target column 'Y'.*Did you mean 'y'"):
        analyze_target(pd.DataFrame({"y": [1, 2]}), "Y", None)


def test_new_labels_written_with_a_trailing_dot_are_read_as_the_known_classes():
    from mlwright.data.target import TargetInfo

    target = TargetInfo(name="income", task=Task.BINARY, classes=("<=50K", ">50K"))
    labels = target.normalize(pd.Series(["<=50K.", " >50K.", "<=50K", "unknown."]))
    assert labels.tolist()[:3] == ["<=50K", ">50K", "<=50K"]
    assert labels.iloc[3] not in target.classes


def ratings(rows=200, seed=0):
    return pd.DataFrame({"y": np.random.default_rng(seed).integers(0, 5, rows)})


@pytest.mark.parametrize("name", ["rmse", "mae", "r2"])
def test_a_regression_metric_settles_the_task_of_a_few_integers_and_says_so(name):
    info, labels, notes = analyze_target(ratings(), "y", None, metric=get_metric(name))
    assert info.task is Task.REGRESSION and info.classes == ()
    assert labels.dtype.kind == "f"
    assert (f"the task is regression because the metric {name!r} was asked for; the values of 'y' alone looked "
            "like a multiclass task (5 distinct integers).") in notes


def test_without_a_metric_the_values_decide():
    info, _, notes = analyze_target(ratings(), "y", None)
    assert info.task is Task.MULTICLASS and info.classes == (0, 1, 2, 3, 4)
    assert not any("the task is" in n for n in notes)


@pytest.mark.parametrize("values,name,task", [
    ([0.0, 1.0, 1.0, 0.0, 1.0], "log_loss", Task.BINARY),
    ([0.0, 1.0, 1.0, 0.0, 1.0], "roc_auc", Task.BINARY),
    ([0.5, 1.25, 3.0, 2.2, 9.1], "rmse", Task.REGRESSION),
    (["a", "b", "c", "a"], "accuracy", Task.MULTICLASS),
])
def test_a_metric_that_fits_the_values_changes_nothing(values, name, task):
    info, _, notes = analyze_target(pd.DataFrame({"y": values}), "y", None, metric=get_metric(name))
    assert info.task is task and not any("the task is" in n for n in notes)


def test_a_classification_metric_makes_classes_of_many_integers():
    frame = pd.DataFrame({"y": np.arange(300) % 30})
    info, _, notes = analyze_target(frame, "y", None, metric=get_metric("accuracy"))
    assert info.task is Task.MULTICLASS and len(info.classes) == 30
    assert any("because the metric 'accuracy'" in n and "like a regression task (30 distinct integers)" in n
               for n in notes)


@pytest.mark.parametrize("name", ["roc_auc", "log_loss"])
def test_a_classification_metric_on_a_continuous_target_is_refused(name):
    frame = pd.DataFrame({"y": np.random.default_rng(0).normal(size=500)})
    with pytest.raises(DataError, match=f"metric '{name}' is for classification, but 'y' holds continuous numbers "
                                        r"\(500 distinct values\).*Fix: ask for a regression metric"):
        analyze_target(frame, "y", None, metric=get_metric(name))


def test_a_classification_metric_does_not_make_thousands_of_classes():
    frame = pd.DataFrame({"y": np.arange(10_000) % 5_000})
    with pytest.raises(DataError, match="5,000 distinct integers in 10,000 rows: too many.*--task multiclass"):
        analyze_target(frame, "y", None, metric=get_metric("log_loss"))


def test_a_regression_metric_on_text_labels_is_refused():
    with pytest.raises(DataError, match="metric 'rmse' is for regression, but 'y' holds text.*Fix:"):
        analyze_target(pd.DataFrame({"y": ["a", "b", "c", "a"]}), "y", None, metric=get_metric("rmse"))


def test_a_binary_only_metric_on_three_classes_is_refused():
    @dataclass(frozen=True)
    class BinaryOnly:
        name: str = "lift"
        tasks: frozenset = frozenset({Task.BINARY})

    with pytest.raises(DataError, match="metric 'lift' is for binary tasks, but 'y' has 3 distinct values"):
        analyze_target(pd.DataFrame({"y": ["a", "b", "c", "a"]}), "y", None, metric=BinaryOnly())


def test_a_given_task_is_kept_when_the_metric_agrees():
    info, _, notes = analyze_target(ratings(), "y", Task.REGRESSION, metric=get_metric("rmse"))
    assert info.task is Task.REGRESSION and not any("the task is" in n for n in notes)


@pytest.mark.parametrize("task,name,words", [
    ("multiclass", "rmse", "metric 'rmse' is for regression, but the task was given as 'multiclass'"),
    ("regression", "log_loss", "metric 'log_loss' is for binary or multiclass, but the task was given as 'regression'"),
])
def test_a_given_task_that_contradicts_the_metric_is_refused_at_the_door(task, name, words):
    with pytest.raises(ConfigError, match=f"{words}.*Fix: leave the task out .*, or use a {task} metric: "):
        TrainConfig(target="y", task=task, metric=name)


def test_an_unknown_metric_is_refused_at_the_door():
    with pytest.raises(ConfigError, match="unknown metric 'rmsle'.*Fix: use one of: roc_auc"):
        TrainConfig(target="y", metric="rmsle")


def test_many_whole_numbers_are_a_quantity_with_a_note_that_says_how_to_make_them_classes():
    letters = pd.DataFrame({"y": np.arange(400) % 26 + 1})  # 26 letters written as 1..26
    info, _, notes = analyze_target(letters, "y", None)
    assert info.task is Task.REGRESSION
    assert any("26 whole numbers" in n and "--task multiclass" in n for n in notes)
    prices = pd.DataFrame({"y": np.arange(400) * 1000})  # 400 distinct whole amounts: no doubt, no note
    assert not any("whole numbers" in n for n in analyze_target(prices, "y", None)[2])
    told = analyze_target(letters, "y", None, metric=get_metric("rmse"))[2]  # the metric said regression
    assert not any("whole numbers" in n for n in told)
