"""Python spec files: how a check function's return value or exception becomes a verdict."""

from types import SimpleNamespace

import pandas as pd

from mlwright.evaluate.model_tests import load_test_suite, run_model_tests

CHECKS = '''\
import numpy as np

SEEN = []


def check_returns_true(model, data):
    return True


def check_returns_none(model, data):
    SEEN.append(model.target.name)


def check_returns_numpy_true(model, data):
    return np.bool_(True)


def check_returns_false(model, data):
    return False


def check_returns_a_message(model, data):
    return f"only {len(data)} rows; want 1000"


def check_asserts_with_a_message(model, data):
    assert data["y"].mean() > 5, f"mean label {data['y'].mean():g} is not above 5"


def check_asserts_bare(model, data):
    assert False


def check_raises(model, data):
    return 1 / 0


def check_returns_a_number(model, data):
    return 3


def check_mutates_the_data(model, data):
    data["y"] = 100
    data.drop(columns="x", inplace=True)


def test_sees_the_data_unchanged(model, data):
    assert list(data.columns) == ["x", "y"] and data["y"].max() == 1, "an earlier check changed the data"
'''

#: Python checks never need predictions: a stand-in with a target name is model enough here.
MODEL = SimpleNamespace(target=SimpleNamespace(name="y"))


def test_return_values_and_exceptions_become_verdicts(tmp_path):
    path = tmp_path / "checks.py"
    path.write_text(CHECKS)
    data = pd.DataFrame({"x": [1.0, 2.0, 3.0], "y": [0, 1, 1]})
    results = {r.name: r for r in run_model_tests(MODEL, data, load_test_suite(path))}
    assert list(results) == ["check_returns_true", "check_returns_none", "check_returns_numpy_true",
                             "check_returns_false", "check_returns_a_message", "check_asserts_with_a_message",
                             "check_asserts_bare", "check_raises", "check_returns_a_number", "check_mutates_the_data",
                             "test_sees_the_data_unchanged"]
    verdicts = {name: (r.passed, r.detail) for name, r in results.items()}
    assert verdicts["check_returns_true"] == (True, "passed")
    assert verdicts["check_returns_none"] == (True, "passed")
    assert verdicts["check_returns_numpy_true"] == (True, "passed")
    assert verdicts["check_returns_false"] == (False, "returned False")
    assert verdicts["check_returns_a_message"] == (False, "only 3 rows; want 1000")
    assert verdicts["check_asserts_with_a_message"] == (False, "mean label 0.666667 is not above 5")
    assert verdicts["check_asserts_bare"] == (False, "assertion failed")
    assert verdicts["check_raises"] == (False, "raised ZeroDivisionError: division by zero")
    assert verdicts["check_returns_a_number"][0] is False
    assert "returned 3; return True or None to pass" in verdicts["check_returns_a_number"][1]
    assert verdicts["test_sees_the_data_unchanged"] == (True, "passed"), "each check gets its own copy"
    assert list(data.columns) == ["x", "y"] and data["y"].max() == 1
    assert {r.kind for r in results.values()} == {"python"}


def test_two_spec_files_with_the_same_function_names_stay_apart(tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "checks.py").write_text("def check_it(model, data):\n    return 'one'\n")
    (tmp_path / "two" / "checks.py").write_text("def check_it(model, data):\n    return 'two'\n")
    one, two = (load_test_suite(tmp_path / name / "checks.py") for name in ("one", "two"))
    data = pd.DataFrame({"y": [1]})
    assert run_model_tests(MODEL, data, one)[0].detail == "one"
    assert run_model_tests(MODEL, data, two)[0].detail == "two"
