"""A search killed with SIGKILL resumes from its checkpoint instead of starting over."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd

from tests.conftest import make_mixed_frame, run_cli


def test_killed_search_resumes_and_reuses_finished_trials(tmp_path):
    data = tmp_path / "mixed.csv"
    make_mixed_frame(1500, seed=11).to_csv(data, index=False)
    out = tmp_path / "run"
    trials = out / "checkpoint" / "trials.jsonl"
    process = subprocess.Popen([sys.executable, "-m", "mlwright", "train", str(data), "--target", "label",
                                "--out", str(out), "--time-limit", "300", "--max-trials", "40", "--folds", "3",
                                "--families", "lightgbm,linear,extra_trees"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 240
        while time.time() < deadline and process.poll() is None:
            if trials.exists() and len(trials.read_text().splitlines()) >= 3:
                break
            time.sleep(0.2)
        assert process.poll() is None, "the search must still be running when it is killed"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert not (out / "model" / "manifest.json").exists(), "no model is saved before the search ends"
    before = {json.loads(line)["spec"]["trial_id"]: json.loads(line) for line in trials.read_text().splitlines()}
    assert len(before) >= 3

    result = run_cli("train", "--resume", str(out), "--max-trials", str(len(before) + 2), "--time-limit", "120")
    assert result.returncode == 0, result.stderr
    board = pd.read_csv(out / "leaderboard.csv").set_index("model")
    assert len(board) == len(before) + 2
    for record in before.values():
        name = f"{record['spec']['family']}_{record['spec']['trial_id']}"
        assert board.loc[name, "fit_seconds"] == round(record["fit_seconds"], 3), "finished trials are not rerun"
    assert (out / "model" / "manifest.json").exists()
