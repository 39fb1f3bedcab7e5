import pandas as pd
import pytest

from mlwright._types import Task
from mlwright.data.target import analyze_target
from mlwright.errors import DataError


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
