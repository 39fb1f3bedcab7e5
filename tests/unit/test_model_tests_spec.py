"""Spec files of model tests: what loads, and the one-line error for every kind of mistake."""

import pytest

from mlwright.errors import ConfigError
from mlwright.evaluate.model_tests import TestSuite, default_test_suite, load_test_suite

GOOD = """\
tests:
  - name: overall AUC
    minimum: {metric: roc_auc, value: 0.85}
  - minimum: {metric: recall, value: 0.6, slice: {column: sex, equals: Female}}
  - minimum: {metric: accuracy, value: 0.7, slice: {column: age, between: [30, 40]}}
  - maximum: {metric: log_loss, value: 0.5, slice: {column: race, in: [White, Black]}}
  - invariance: {column: race, max_change: 0.05}
  - invariance: {column: sex, max_change: 0.1, values: [Male, Female], class: ">50K"}
  - directional: {column: capital-gain, direction: increasing, by: 1000}
  - directional: {column: age, direction: decreasing, factor: 1.5, tolerance: 0.01}
  - beats_baseline: {}
  - beats_baseline: {metric: f1}
  - refuses_unscorable:
  - refuses_unscorable: {strict: true}
"""


def write(tmp_path, text, name="checks.yml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def spec_error(tmp_path, text, name="checks.yml") -> str:
    path = write(tmp_path, text, name)
    with pytest.raises(ConfigError) as caught:
        load_test_suite(path)
    message = caught.value.message
    assert "\n" not in message, "one line"
    assert str(path) in message, "names the file"
    assert "Fix:" in message
    return message


def test_every_kind_loads_with_fields_and_made_up_names(tmp_path):
    suite = load_test_suite(write(tmp_path, GOOD))
    assert isinstance(suite, TestSuite) and len(suite) == 12 and suite.source.endswith("checks.yml")
    kinds = [t.kind for t in suite.tests]
    assert kinds == ["minimum"] * 3 + ["maximum", "invariance", "invariance", "directional", "directional",
                                       "beats_baseline", "beats_baseline", "refuses_unscorable", "refuses_unscorable"]
    names = [t.name for t in suite.tests]
    assert names[0] == "overall AUC"
    assert names[1] == "recall >= 0.6 on sex = Female"
    assert names[2] == "accuracy >= 0.7 on age between 30 and 40"
    assert names[3] == "log_loss <= 0.5 on race in [White, Black]"
    assert names[4] == "invariance to race"
    assert names[6] == "increasing in capital-gain (+1000)"
    assert names[7] == "decreasing in age (x1.5)"
    invariance = suite.tests[5]
    assert invariance.values == ("Male", "Female") and invariance.class_ == ">50K"
    directional = suite.tests[7]
    assert (directional.increasing, directional.by, directional.factor) == (False, None, 1.5)
    assert directional.tolerance == 0.01
    assert suite.tests[-1].strict and not suite.tests[-2].strict
    assert suite.tests[1].where.startswith(f"{tmp_path / 'checks.yml'}:4 tests[1]"), "file, line, item"


def test_default_suite_refuses_unscorable_and_beats_the_baseline():
    suite = default_test_suite()
    assert [t.kind for t in suite.tests] == ["refuses_unscorable", "beats_baseline"]
    assert suite.tests[1].metric is None, "the model's own metric"


@pytest.mark.parametrize("text, needles", [
    ("tests:\n  - minimun: {metric: roc_auc, value: 0.8}\n", ["checks.yml:2 tests[0].minimun", "unknown test kind",
                                                           "minimum, maximum"]),
    ("tests:\n  - minimum: {metric: roc_auc}\n", ["tests[0].minimum.value", "'value' is missing"]),
    ("tests:\n  - minimum: {value: 0.8}\n", ["tests[0].minimum.metric", "'metric' is missing"]),
    ("tests:\n  - minimum: {metric: auc, value: 0.8}\n",
     ["tests[0].minimum.metric", "unknown metric 'auc'", "roc_auc"]),
    ("tests:\n  - minimum: {metric: log_loss, value: 0.3}\n", ["minimum.metric", "lower log_loss is better",
                                                              "maximum: {metric: log_loss"]),
    ("tests:\n  - minimum: {metric: roc_auc, value: high}\n", ["minimum.value", "expected a number, got 'high'"]),
    ("tests:\n  - invariance: {column: race, max_chnage: 0.1}\n", ["invariance.max_change", "'max_change' is missing"]),
    ("tests:\n  - invariance: {column: race, max_change: 0.1, valus: [a]}\n",
     ["invariance.valus", "unknown field 'valus'", "column, max_change"]),
    ("tests:\n  - invariance: {column: race, max_change: -1}\n", ["invariance.max_change", "at least 0"]),
    ("tests:\n  - directional: {column: age, direction: up, by: 1}\n",
     ["directional.direction", "increasing, decreasing"]),
    ("tests:\n  - directional: {column: age, direction: increasing}\n",
     ["tests[0].directional:", "exactly one of by, factor"]),
    ("tests:\n  - directional: {column: age, direction: increasing, by: 1, factor: 2}\n", ["got by, factor"]),
    ("tests:\n  - minimum: {metric: f1, value: 0.5, slice: {column: sex}}\n",
     ["minimum.slice:", "exactly one of equals, in, between"]),
    ("tests:\n  - minimum: {metric: f1, value: 0.5, slice: {column: age, between: [1]}}\n",
     ["slice.between", "a list of 2 values"]),
    ("tests:\n  - refuses_unscorable: {strict: yes please}\n", ["refuses_unscorable.strict", "true or false"]),
    ("tests:\n  - minimum: {metric: f1, value: 0.5}\n    invariance: {column: a, max_change: 0}\n",
     ["tests[0]", "expected one test kind, got minimum, invariance"]),
    ("tests:\n  - name: only a name\n", ["expected one test kind, got none"]),
    ("tests:\n  - roc_auc >= 0.8\n", ["tests[0]", "expected a test like"]),
    ("tests: []\n", ["non-empty list under `tests:`"]),
    ("checks:\n  - minimum: {metric: f1, value: 0.5}\n", ["non-empty list under `tests:`"]),
    ("tests:\n  - minimum: {metric: f1, value: 0.5}\nthreshold: 3\n", ["unknown top-level field 'threshold'"]),
    ("tests:\n  - minimum: {metric: f1, value: 0.5\n  - beats_baseline: {}\n", ["not valid YAML"]),
    ("", ["non-empty list under `tests:`"]),
])
def test_a_mistake_is_one_line_naming_file_and_field(tmp_path, text, needles):
    message = spec_error(tmp_path, text)
    for needle in needles:
        assert needle in message, message


def test_a_yaml_syntax_error_names_its_line(tmp_path):
    message = spec_error(tmp_path, "tests:\n  - beats_baseline: {}\n  - minimum: [metric: f1\n")
    assert "checks.yml:4" in message or "checks.yml:3" in message, message


def test_the_line_of_a_later_item_is_named(tmp_path):
    text = "tests:\n  - beats_baseline: {}\n\n  # a comment\n  - minimum: {metric: rocauc, value: 1}\n"
    assert "checks.yml:5 tests[1].minimum.metric" in spec_error(tmp_path, text)


def test_file_problems_are_errors_too(tmp_path):
    with pytest.raises(ConfigError, match="no such spec file"):
        load_test_suite(tmp_path / "missing.yml")
    spec_error(tmp_path, "tests: []", name="checks.json")
    assert "cannot tell the spec format" in spec_error(tmp_path, "{}", name="checks.json")


def test_python_spec_collects_check_and_test_functions_in_order(tmp_path):
    path = write(tmp_path, "def helper(model, data):\n    return False\n\n"
                           "def check_b(model, data):\n    return True\n\n"
                           "def test_a(model, data):\n    return None\n", name="checks.py")
    suite = load_test_suite(path)
    assert [t.name for t in suite.tests] == ["check_b", "test_a"] and {t.kind for t in suite.tests} == {"python"}


@pytest.mark.parametrize("source, needles", [
    ("def check_x(model, data):\n    return (\n", ["checks.py:", "not valid Python"]),
    ("import no_such_module_anywhere\n", ["importing the file failed", "ModuleNotFoundError"]),
    ("def helper(model, data):\n    return True\n", ["defines no check functions", "check_<what>(model, data)"]),
    ("def check_one(model):\n    return True\n", ["checks.py:1 check_one", "two arguments, (model, data)"]),
])
def test_python_spec_mistakes_are_one_line(tmp_path, source, needles):
    message = spec_error(tmp_path, source, name="checks.py")
    for needle in needles:
        assert needle in message, message


def test_the_example_spec_loads():
    from pathlib import Path

    suite = load_test_suite(Path(__file__).parents[2] / "examples" / "model_tests.yml")
    assert len(suite) == 7 and suite.tests[0].name == "overall AUC"
