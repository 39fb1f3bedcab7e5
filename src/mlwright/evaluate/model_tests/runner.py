"""Running a suite: check every test against the model and DATA, then run them one by one.

Mistakes in the spec (a column DATA lacks, a metric for another task) and DATA the model cannot
score are errors raised before any test runs: they say what to fix, where a list of failures
would only bury it. Once tests run, nothing a test does ends the run: a test that cannot
measure, or whose code raises, fails with the reason as its detail.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.evaluate.model_tests.context import TestContext
from mlwright.evaluate.model_tests.result import NotMeasurable, TestResult
from mlwright.evaluate.model_tests.spec import ModelTest, TestSuite

if TYPE_CHECKING:
    from mlwright.predictor import TrainedModel


def run_model_tests(model: "TrainedModel", data: DataSource, suite: TestSuite) -> list[TestResult]:
    """Run ``suite`` on ``model`` with ``data`` (a DataFrame or a path); one result per test, in order.

    ``data`` should hold the target column: metric tests fail without it (the detail says so),
    the other tests do not need it.
    """
    ctx = TestContext(model, read_table(data))
    for test in suite.tests:
        test.validate(ctx)
    # warnings such as "ignored columns" would repeat for every perturbed copy of the data;
    # the probes of refuses_unscorable record their own
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        if any(test.needs_predictions for test in suite.tests):
            ctx.predictions  # noqa: B018 -- scores DATA now: a SchemaError here is about DATA, not a test
        return [_run_one(test, ctx) for test in suite.tests]


def _run_one(test: ModelTest, ctx: TestContext) -> TestResult:
    try:
        passed, detail = test.run(ctx)
    except NotMeasurable as exc:
        passed, detail = False, f"not measured: {exc}"
    except Exception as exc:  # one broken test must not hide the results of the others
        passed, detail = False, f"the test raised {type(exc).__name__}: {exc}"
    return TestResult(test.name, test.kind, bool(passed), detail)
