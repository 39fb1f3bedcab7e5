"""Fit mlwright on one split and measure it (run by mlwright's python; see run.py).

mlwright gets what the peers get: the raw training table, the budget, seed 0, 2 threads, the
task and the metric. It is trained the way a user trains it, by the command line in a process of
its own: ``python -m mlwright train TRAIN.parquet --target T --time-limit B --out DIR ...``. The
fit time is the wall time of that whole process as the runner's clock sees it, from before it
starts to after it exits: interpreter start-up, imports, reading the file, the search, saving and
the report. It is recorded as ``fit_time_s`` and as ``process_wall_s`` (the budget check of the
benchmark goal: at most 1.1 x budget + 5 s). The saved model (``DIR/model``) is then loaded with
``mlwright.load``, untimed, and the loop measures that loaded model's predictions.

The spec's ``options`` become command-line flags (``{"max_latency_ms": "inf"}`` becomes
``--max-latency-ms inf``); the harness sets an ablation's ``MLWRIGHT_ABLATE`` in this runner's
environment, which the ``train`` process inherits. The model size is the saved model folder
(``DIR/model``, what ``mlwright.load`` reads); the whole ``DIR``, which also holds the report
and the resumable checkpoint, is recorded as ``out_dir_size_mb``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pandas as pd
from _common import Fitted, Spec, dir_size_mb, main

OUTPUT_TAIL = 1500  # characters of the train process's output kept in an error message


def command(spec: Spec, out) -> list[str]:
    cmd = [sys.executable, "-m", "mlwright", "train", str(spec.train), "--target", spec.target,
           "--time-limit", f"{spec.time_limit:g}", "--out", str(out), "--task", spec.task,
           "--metric", spec.metric, "--seed", str(spec.seed), "--jobs", str(spec.threads)]
    for key, value in spec.options.items():
        cmd += [f"--{key.replace('_', '-')}", str(value)]
    return cmd


def model_facts(model) -> dict:
    """What the saved model says about its search: validation chosen, trials, members."""
    info = getattr(model, "info", {}) or {}
    facts = {k: v for k, v in info.items() if isinstance(v, (str, int, float, bool)) or v is None}
    for key in ("validation", "estimate", "skipped_for_time", "pruned_for_latency", "second_layer", "every_row_refit"):
        if key in info:
            facts[key] = info[key]
    members = getattr(model, "members", None)
    if members is not None:
        facts["members"] = [{"name": m.name, "family": m.family, "weight": round(float(m.weight), 4)}
                            for m in members]
    return facts


def fit(spec: Spec, train: pd.DataFrame) -> Fitted:
    out = spec.workdir / "model"
    cmd = command(spec, out)
    log_path = spec.workdir / "train_output.txt"
    print("$ " + " ".join(cmd[1:]), flush=True)
    with open(log_path, "wb") as log:
        started = time.perf_counter()
        code = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=spec.workdir,
                              env=os.environ.copy()).returncode
        wall = time.perf_counter() - started
    output = log_path.read_text(errors="replace")
    print(output, flush=True)  # into the pair's log.txt
    if code != 0:
        raise RuntimeError(f"mlwright train exited with code {code} after {wall:.1f} s: "
                           f"...{output[-OUTPUT_TAIL:]}")

    import mlwright

    saved = out / "model"
    model = mlwright.load(saved)
    notes = {"told": ["metric", "task"], "command": " ".join(cmd[3:]),
             "ablate": os.environ.get("MLWRIGHT_ABLATE"), "info": model_facts(model),
             "out_dir_size_mb": dir_size_mb(out)}
    measured = {"process_wall_s": wall}
    if spec.task == "regression":
        return Fitted(model.predict, lambda raw: raw, saved, notes=notes, fit_time_s=wall, measured=measured)
    return Fitted(model.predict_proba, lambda raw: raw, saved, notes=notes, fit_time_s=wall, measured=measured)


def version() -> str:
    import mlwright

    return getattr(mlwright, "__version__", "unknown")


if __name__ == "__main__":
    main("mlwright", fit, version)
