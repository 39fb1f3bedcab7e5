"""What the studio lets a browser download: a run's or a registered version's report, profile,
model card and tables, and nothing else.

A link names a run or a version and a file from a fixed list; the file is looked up inside that
run's folder or that version's folder in the artifact store, and refused when the resolved path
(links followed) lands anywhere outside it. No path from the request is ever joined as given.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse

from mlwright.studio.guard import Forbidden
from mlwright.studio.rendering import studio_of

router = APIRouter()
#: The files a page links to, and how a browser should take them.
SHOWN = {"report.html": "text/html", "profile.html": "text/html", "MODEL_CARD.md": "text/markdown",
         "evaluation.json": "application/json", "profile.json": "application/json", "leaderboard.csv": "text/csv",
         "forecast.csv": "text/csv", "clusters.csv": "text/csv", "anomalies.csv": "text/csv"}


def run_files(run) -> list[str]:
    """The files of ``run``'s folder that its page can link to."""
    folder = Path(run.run_dir) if run.run_dir else None
    return [name for name in SHOWN if folder is not None and _inside(folder, folder / name)]


def run_metric_rows(run) -> list[dict]:
    """The run's held-out metrics with their 95% intervals and the baseline's value, read from its
    ``evaluation.json``; without that file (a deleted folder, a run recorded elsewhere) the values the
    store kept, without intervals. A damaged file reads as absent: the page must still show."""
    import json

    from mlwright.report import facts

    folder = Path(run.run_dir) if run.run_dir else None
    if folder is not None and _inside(folder, folder / "evaluation.json"):
        try:
            record = json.loads((folder / "evaluation.json").read_text(encoding="utf-8"))
            return [{"set": str(s.get("set")), "metric": str(m.get("label") or m.get("name")), "value": m.get("value"),
                     "low": m.get("low"), "high": m.get("high"), "baseline": m.get("baseline")}
                    for s in facts.evaluation_sets(record) for m in facts.items(s, "metrics") if isinstance(m, dict)]
        except (OSError, ValueError):
            pass
    sets = (run.metrics or {}).get("sets") or {}
    return [{"set": set_name, "metric": name, "value": value, "low": None, "high": None, "baseline": None}
            for set_name, values in sets.items() for name, value in values.items()]


def version_files(studio, version) -> list[str]:
    folder = studio.store.artifacts.local_path(version.artifact_uri)
    return [name for name in SHOWN if _inside(folder, folder / name)]


@router.get("/files/runs/{run_id}/{name}")
def run_file(request: Request, run_id: str, name: str):
    run = studio_of(request).store.runs.get(run_id)
    if not run.run_dir:
        raise Forbidden(404, f"run {run.id[:8]} kept no files.")
    return _send(Path(run.run_dir), name)


@router.get("/files/models/{model}/{version}/{name}")
def version_file(request: Request, model: str, version: int, name: str):
    studio = studio_of(request)
    found = studio.store.models.get(model, version)
    return _send(studio.store.artifacts.local_path(found.artifact_uri), name)


def _send(folder: Path, name: str) -> FileResponse:
    if name not in SHOWN:
        raise Forbidden(404, f"{name!r} is not a file the studio shows (it shows {', '.join(SHOWN)}).")
    path = folder / name
    if not _inside(folder, path):
        raise Forbidden(404, f"{name} is not in this folder.")
    # the pages are mlwright's own reports: shown in the browser, under the studio's headers
    return FileResponse(path.resolve(), media_type=SHOWN[name],
                        headers={"content-disposition": "inline" if SHOWN[name] == "text/html" else "attachment"})


def _inside(folder: Path, path: Path) -> bool:
    try:
        resolved, root = path.resolve(strict=True), folder.resolve(strict=True)
    except (OSError, RuntimeError):
        return False
    return resolved.is_file() and resolved.is_relative_to(root)
