"""Fixtures the store's integration tests share: a trained run folder and an artifact root."""

from __future__ import annotations

from pathlib import Path

import pytest

import mlwright
from tests.conftest import make_mixed_frame

ROWS = 400
NAME = "churn"


@pytest.fixture
def artifacts(tmp_path, monkeypatch) -> Path:
    """Registered files under the test's folder, for this process and the ones it starts."""
    root = tmp_path / "artifacts"
    monkeypatch.setenv("MLWRIGHT_ARTIFACTS", str(root))
    return root


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """One small trained run folder (model, report, card) to register many times."""
    out = tmp_path_factory.mktemp("trained") / "run"
    mlwright.train(make_mixed_frame(ROWS, seed=5), "label", out=out, store=False, time_limit=60, max_trials=2,
                   families=("linear",), folds=3, progress=False)
    return out
