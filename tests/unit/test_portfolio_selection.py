"""The portfolio's selection script (``tools/portfolio/select_portfolio.py``) on a made-up corpus.

Run as a subprocess, as a developer runs it: the build module it imports pins numeric threads
to one for the whole process, which must not leak into the test session.
"""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tools" / "portfolio"


def _candidates() -> list[dict]:
    out = subprocess.run([sys.executable, str(TOOLS / "candidates.py")], capture_output=True, text=True, check=True,
                         cwd=REPO)
    rows = [line.split(" ", 1) for line in out.stdout.splitlines() if line and not line.endswith("candidates")]
    return [{"name": name, "params": json.loads(params)} for name, params in rows]


def test_a_candidate_never_evaluated_is_left_out_and_its_family_keeps_its_hand_order_place(tmp_path):
    candidates = _candidates()
    names = [c["name"] for c in candidates]
    assert "mlp_d0" in names, "the network's default is listed among the candidates"
    evaluated = [n for n in names if not n.startswith("mlp_")]
    rng = np.random.default_rng(0)
    results = tmp_path / "results.jsonl"
    with results.open("w", encoding="utf-8") as handle:
        for t, rows in enumerate((300, 400, 3000, 5000)):
            for name in evaluated:
                family = name.rsplit("_", 1)[0]
                best = name == "extra_trees_h0"  # the winner on every table: it must be chosen first
                seconds = 0.01 * rows / 100 + 0.05
                handle.write(json.dumps({
                    "table": f"t{t}", "config": name, "family": family, "status": "ok",
                    "score": 1.0 if best else float(rng.uniform(0.5, 0.9)), "rows": rows, "cols": 8,
                    "n_classes": 2, "folds": 3, "fit_seconds": 3 * seconds, "fold_seconds": [seconds] * 3,
                    "cpu_seconds": 3 * seconds}) + "\n")
    out = tmp_path / "portfolio.json"
    run = subprocess.run([sys.executable, str(TOOLS / "select_portfolio.py"), "--results", str(results),
                          "--out", str(out), "--size", "5"], capture_output=True, text=True, cwd=REPO)
    assert run.returncode == 0, run.stderr[-2000:]
    data = json.loads(out.read_text(encoding="utf-8"))
    chosen = [c["name"] for c in data["configs"]]
    assert chosen[0] == "extra_trees_h0" and len(chosen) == 5
    assert set(chosen) <= set(evaluated)
    # were the network counted as evaluated, the search would drop it as "left out on merit"
    assert "mlp" not in data["built_from"]["families"]
    assert data["built_from"]["candidates"] == len(evaluated)
