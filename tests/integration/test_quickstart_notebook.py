"""``examples/quickstart.ipynb`` runs top to bottom in a fresh kernel with no network, and shows
the model, the profile and the leaderboard as rich cards."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the test extra installs nbformat, nbclient and ipykernel")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def test_the_quickstart_notebook_runs_and_shows_rich_cards():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    started = time.perf_counter()
    nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    seconds = time.perf_counter() - started
    outputs = [out for cell in notebook.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    # nothing on stderr under any cell: no stray library warning in front of a reader
    assert not [out.text for out in outputs if out.output_type == "stream" and out.name == "stderr"]
    cards = [out.data["text/html"] for out in outputs if "text/html" in out.get("data", {}) and "mlw-card" in
             out.data["text/html"]]
    assert any("mlwright trained model" in card for card in cards)
    assert any("mlwright data profile" in card and "alive" in card for card in cards)
    printed = "".join(out.text for out in outputs if out.output_type == "stream")
    assert "TrainedModel(task=binary, target='survived'" in printed
    print(f"quickstart notebook: {seconds:.1f} s")
