"""The outcome of one model test: what the command line prints and the training report shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TestResult:
    """One test's verdict, with ``detail`` saying what was measured against what was expected.

    >>> TestResult("overall AUC", "minimum", False, "roc_auc = 0.81 on 600 rows; minimum 0.85").to_dict()["passed"]
    False
    """

    __test__ = False  # not a pytest test class, despite its name

    name: str
    kind: str
    passed: bool
    detail: str

    def to_dict(self) -> dict:
        """Plain JSON values only, so that a report or ``--output`` can write it as it is."""
        return {"name": str(self.name), "kind": str(self.kind), "passed": bool(self.passed), "detail": str(self.detail)}


class NotMeasurable(Exception):
    """A test could not measure anything on this data (no labels, an empty slice): it fails,
    with this message as its detail, and the other tests still run."""
