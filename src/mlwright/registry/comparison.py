"""Runs side by side: every fact worth comparing, one value per run, and which of them differ.

The command line (`mlwright runs compare`), the notebook display and the studio's compare page
all show this one list, so the three never disagree on what differs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd

from mlwright.registry.figures import metric_text
from mlwright.registry.runs import Run


@dataclass
class RunComparison:
    runs: list[Run]
    #: (label, one value per run), in reading order; settings and packages only where they differ.
    rows: list[tuple[str, list]]

    def differs(self, label: str) -> bool:
        values = next(values for name, values in self.rows if name == label)
        return len({str(v) for v in values}) > 1

    def table(self) -> pd.DataFrame:
        """One row per fact, one column per run (its id), and ``differs``."""
        frame = pd.DataFrame([values for _, values in self.rows], index=[label for label, _ in self.rows],
                             columns=[run.id for run in self.runs])
        frame["differs"] = [self.differs(label) for label, _ in self.rows]
        return frame

    def _repr_html_(self) -> str:
        from mlwright.display.cards import run_comparison

        return run_comparison(self).html()

    def __repr__(self) -> str:
        differing = sum(self.differs(label) for label, _ in self.rows)
        return f"RunComparison(runs={[run.id[:8] for run in self.runs]}, differing={differing} of {len(self.rows)})"


def compare_runs(run_ids: list[str], store=None) -> RunComparison:
    """The runs ``run_ids`` side by side; ``store``: an opened store, its URL, or None for the
    default one (see ``mlwright.open_store``)."""
    from mlwright.registry.store import open_store

    opened = store if hasattr(store, "runs") else open_store(store)
    runs = [opened.runs.get(run_id) for run_id in run_ids]
    return RunComparison(runs, comparison_rows(runs, [opened.runs.trials(run.id) for run in runs]))


def comparison_rows(runs, trials_of) -> list[tuple[str, list]]:
    """(label, one value per run) for every fact worth comparing; settings only where one differs."""
    rows: list[tuple[str, list]] = []
    for label, pick in (("status", lambda r: r.status), ("started (UTC)", lambda r: f"{r.started_at:%Y-%m-%d %H:%M}"),
                        ("target", lambda r: r.target), ("task", lambda r: r.task), ("metric", lambda r: r.metric),
                        ("data sha256", lambda r: ((r.data or {}).get("sha256") or "-")[:12]),
                        ("rows", lambda r: (r.data or {}).get("rows")), ("columns", lambda r: (r.data or {}).get("columns")),
                        ("estimate", lambda r: metric_text(r.estimate)),
                        ("out-of-fold", lambda r: metric_text((r.metrics or {}).get("oof_score"))),
                        ("latency ms", lambda r: metric_text((r.metrics or {}).get("single_row_latency_ms"), 3)),
                        ("seconds", lambda r: metric_text(r.seconds, 1)),
                        ("commit", lambda r: ((r.git or {}).get("commit") or "-")[:8])):
        rows.append((label, [pick(r) for r in runs]))
    rows.append(("trials", [len(t) for t in trials_of]))
    rows.append(("ensemble", [", ".join(f"{n}×{w:.2f}" for n, w in ((r.metrics or {}).get("members") or {}).items())
                              for r in runs]))
    sets = sorted({s for r in runs for s in ((r.metrics or {}).get("sets") or {})})
    for name in sets:
        metrics = sorted({m for r in runs for m in (((r.metrics or {}).get("sets") or {}).get(name) or {})})
        for metric in metrics:
            rows.append((f"{name}: {metric}", [metric_text((((r.metrics or {}).get("sets") or {}).get(name) or {})
                                                     .get(metric)) for r in runs]))
    settings = sorted({k for r in runs for k in r.params})
    for key in settings:
        values = [r.params.get(key) for r in runs]
        if len({json.dumps(v, default=str) for v in values}) > 1:
            rows.append((f"setting: {key}", [json.dumps(v, default=str) for v in values]))
    packages = sorted({p for r in runs for p in ((r.environment or {}).get("packages") or {})})
    for package in packages:
        values = [((r.environment or {}).get("packages") or {}).get(package) for r in runs]
        if len(set(values)) > 1:
            rows.append((f"package: {package}", values))
    return rows
