"""The personal-data check, re-applied to what arrives at predict time.

Columns found personal at training are already out of the model's schema, so they are ignored.
What remains is a column the model does use that now holds personal data (e-mail addresses in
a 'comment' field, say): its values are not fed to the model but scored as missing, with a warning.
"""

from __future__ import annotations

import pandas as pd

from mlwright.data.schema import NUMERIC
from mlwright.predictor import TrainedModel
from mlwright.profile.privacy import find_pii


def personal_columns(model: TrainedModel, chunk: pd.DataFrame) -> dict[str, str]:
    """Used, non-numeric columns of ``chunk`` whose values look like personal data: name -> evidence."""
    names = [spec.name for spec in model.schema.used if spec.kind != NUMERIC and spec.name in chunk.columns]
    if not names:
        return {}
    return {column: finding.evidence for finding in find_pii(chunk[names]) for column in finding.columns}


def warning_text(column: str, evidence: str) -> str:
    return (f"column {column!r} looks like personal data at predict time ({evidence.rstrip('.')}) although it "
            "did not at training: its values were scored as missing. Check what feeds this column.")
