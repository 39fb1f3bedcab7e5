"""`refuses_unscorable`: on data it cannot score, the model must say so, not predict garbage.

Three probes are built from the first rows of DATA: a column the model needs is dropped, a
numeric column it uses is filled with text, and every row is removed. Each call ends in one of

- *refused*: an ``MlwrightError`` (one line naming the column and the fix);
- *warned*: predictions, with an mlwright warning that names what was wrong;
- *predicted*: predictions and no word about it;
- *crashed*: some other exception, e.g. from deep inside a model library.

A missing column must be refused, and so must a numeric column holding no number at all (a
few bad cells are read as missing with a warning, so that one typo does not stop a batch; the
probe fills every row with text). An empty table may be refused or answered with zero
predictions (nothing can be garbage then). ``strict: true`` requires refusal in all three.
Silent predictions and crashes always fail.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from mlwright.data.schema import NUMERIC
from mlwright.errors import MlwrightError
from mlwright.evaluate.model_tests.context import TestContext
from mlwright.evaluate.model_tests.fields import Body
from mlwright.evaluate.model_tests.result import NotMeasurable

#: Rows of DATA a probe is made of.
PROBE_ROWS = 20
_TEXT = "not a number"


@dataclass(frozen=True)
class RefusesUnscorable:
    """``refuses_unscorable: {strict}``."""

    kind: str
    name: str
    where: str
    strict: bool = False
    needs_predictions: ClassVar[bool] = False

    @classmethod
    def from_spec(cls, kind: str, body: Body, name: str | None) -> "RefusesUnscorable":
        strict = body.flag("strict")
        body.done()
        return cls(kind, name or "refuses data it cannot score", body.where, strict)

    def validate(self, ctx: TestContext) -> None:
        """Nothing to check: the probes are built from whatever DATA holds."""

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        rows = ctx.features.head(PROBE_ROWS)
        if rows.empty:
            raise NotMeasurable("DATA has no rows to build the probes from.")
        used = ctx.model.schema.used
        numeric = [c.name for c in used if c.kind == NUMERIC]
        probes = []  # (what was done, outcomes that pass)
        if used:
            probes.append((f"without {used[0].name!r}", rows.drop(columns=[used[0].name], errors="ignore"),
                           ("refused",)))
        if numeric:
            probes.append((f"text in {numeric[0]!r}", rows.assign(**{numeric[0]: _TEXT}),
                           ("refused",)))
        probes.append(("empty table", rows.iloc[:0], ("refused",) if self.strict else ("refused", "empty")))
        details, passed = [], True
        for what, frame, accepted in probes:
            outcome, how = _attempt(ctx, frame, about=numeric[0] if numeric else "")
            passed = passed and outcome in accepted
            details.append(f"{what}: {outcome}{f' ({how})' if how else ''}")
        return passed, "; ".join(details)


def _attempt(ctx: TestContext, frame: pd.DataFrame, *, about: str) -> tuple[str, str]:
    """Call the model the way a user would and say how it ended; only an mlwright warning that
    names ``about`` counts (one about extra columns says nothing about the bad one)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            predicted = ctx.model.predict(frame)
        except MlwrightError as exc:
            return "refused", type(exc).__name__
        except Exception as exc:  # anything else is what this test is for
            return "crashed", f"{type(exc).__name__}: {_first_line(exc)}"
    if len(predicted) == 0:
        return "empty", "0 predictions"
    ours = [w.message for w in caught if type(w.message).__module__.startswith("mlwright") and about
            and about in str(w.message)]
    if ours:
        return "warned", _first_line(ours[0])
    return "predicted", f"{len(predicted)} predictions, no warning"


def _first_line(exc: object) -> str:
    text = str(exc).strip().splitlines()
    line = text[0] if text else ""
    return line if len(line) <= 120 else line[:117] + "..."
