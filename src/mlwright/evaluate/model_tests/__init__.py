"""Model tests: unit tests for a trained model, declared in a small YAML file or written in Python.

``mlwright test MODEL DATA --spec checks.yml`` and the training report both call this API::

    suite = load_test_suite("checks.yml")          # or default_test_suite(model)
    results = run_model_tests(model, data, suite)  # list[TestResult]: name, kind, passed, detail

The YAML format: a list under ``tests:``; each item has one test kind and an optional ``name``
(a name is made from the fields when left out)::

    tests:
      - name: overall AUC
        minimum: {metric: roc_auc, value: 0.85}
      - minimum: {metric: recall, value: 0.6, slice: {column: sex, equals: Female}}
      - maximum: {metric: log_loss, value: 0.45}
      - invariance: {column: race, max_change: 0.05}
      - directional: {column: capital-gain, direction: increasing, by: 1000}
      - beats_baseline: {}
      - refuses_unscorable: {}

``minimum`` / ``maximum``: ``metric`` (accuracy, balanced_accuracy, precision, recall, f1,
    roc_auc, pr_auc, log_loss, brier for classifiers; rmse, mae, r2, mape for regressors) must be
    at least / at most ``value``. ``minimum`` takes metrics where higher is better, ``maximum``
    those where lower is better (log_loss, brier, rmse, mae, mape). ``slice`` restricts the rows:
    ``{column, equals: V}``, ``{column, in: [V, ...]}`` or ``{column, between: [LOW, HIGH]}``
    (inclusive). Label metrics score ``model.predict`` (the decision threshold applied),
    probability metrics ``model.predict_proba``; the labels are the target column of DATA.
``beats_baseline``: ``metric`` (default: the model's own) must be better than predicting the
    class shares (or the mean) of DATA for every row.
``invariance``: setting ``column`` to each other value seen in DATA (at most 20: the most
    frequent, or quantiles of a number), or to each of ``values: [...]``, must not move the
    prediction by more than ``max_change``: the positive-class probability of a binary model,
    the value of a regressor, the largest move of any class probability of a multiclass model
    (or of ``class: NAME`` only).
``directional``: ``direction`` increasing or decreasing; adding ``by`` (or multiplying by
    ``factor``) to ``column`` must not move the prediction against the direction by more than
    ``tolerance`` (default 0) on any row. Multiclass models need ``class: NAME``.
``refuses_unscorable``: on DATA's first rows with a needed column dropped, a numeric column
    filled with text, and no rows at all, the model must refuse with an mlwright error (a
    warning naming the column, or zero predictions for zero rows, also pass unless
    ``strict: true``); silent predictions or a library's exception fail.

Perturbation tests score at most 5,000 rows of DATA, drawn with a fixed seed.

A ``.py`` spec instead holds functions ``check_*(model, data)`` (or ``test_*``), passing when
they return True or None, failing on False, a message, or an exception (see ``python_checks``).

Without a spec the default suite runs: ``refuses_unscorable`` and ``beats_baseline``.

DATA without the target column: tests that need labels (``minimum``, ``maximum``,
``beats_baseline``) fail with the detail "not measured: DATA has no ... column"; a test
that cannot measure never passes silently. The others run as usual.

Spec mistakes (unknown kind or field, a missing field, an unknown metric, a column DATA lacks)
raise ``ConfigError`` naming the file, line and field, before any test runs.
"""

from mlwright.evaluate.model_tests.result import TestResult
from mlwright.evaluate.model_tests.runner import run_model_tests
from mlwright.evaluate.model_tests.spec import TestSuite, default_test_suite, load_test_suite

__all__ = ["TestResult", "TestSuite", "default_test_suite", "load_test_suite", "run_model_tests"]
