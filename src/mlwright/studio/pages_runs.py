"""Runs: the table (filtered and sorted), one run's page, and runs side by side."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Query, Request

from mlwright.errors import ConfigError
from mlwright.studio.rendering import studio_of

router = APIRouter()
PAGE_ROWS = 50
#: How the table sorts: the key of each column, newest or best first by default.
SORTS = {"date": lambda r: r.started_at, "status": lambda r: r.status, "target": lambda r: r.target or "",
         "metric": lambda r: r.metric or "", "data": lambda r: r.data_name, "estimate": lambda r: _number(r.estimate)}
PERIODS = {"day": 1, "week": 7, "month": 31}


@router.get("/runs")
def runs_page(request: Request, status: str = "", target: str = "", metric: str = "", data: str = "",
              period: str = "", sort: str = "date", order: str = "desc", page: int = Query(1, ge=1)):
    studio = studio_of(request)
    if sort not in SORTS:
        sort = "date"
    since = datetime.now(timezone.utc) - timedelta(days=PERIODS[period]) if period in PERIODS else None
    found = studio.store.runs.list(limit=None, status=status or None, target=target or None, data=data or None,
                                   metric=metric or None, since=since, light=True)
    found.sort(key=SORTS[sort], reverse=order != "asc")
    shown = found[(page - 1) * PAGE_ROWS: page * PAGE_ROWS]
    registered = studio.store.runs.registered_as([r.id for r in shown])
    choices = studio.store.runs.distinct_values()
    return studio.page(request, "runs.html.j2", title="Runs", runs=shown, total=len(found), page=page,
                       pages=max(1, -(-len(found) // PAGE_ROWS)), registered=registered, choices=choices,
                       filters=dict(status=status, target=target, metric=metric, data=data, period=period),
                       sort=sort, order=order, periods=list(PERIODS))


@router.get("/runs/{run_id}")
def run_page(request: Request, run_id: str):
    from mlwright.studio.files import run_files, run_metric_rows

    studio = studio_of(request)
    run = studio.store.runs.get(run_id)
    trials = sorted(studio.store.runs.trials(run.id), key=lambda t: (t["score"] is None, -(t["score"] or 0.0)))
    members = (run.metrics or {}).get("members") or {}
    registered = studio.store.runs.registered_as([run.id]).get(run.id, [])
    return studio.page(request, "run.html.j2", title=f"Run {run.id[:8]}", run=run, trials=trials, members=members,
                       registered=registered, files=run_files(run), estimate=(run.metrics or {}).get("estimate") or {},
                       metric_rows=run_metric_rows(run))


@router.get("/compare")
def compare_page(request: Request, run: list[str] = Query(default=[])):
    from mlwright.registry.comparison import compare_runs

    studio = studio_of(request)
    chosen = list(dict.fromkeys(r for r in run if r.strip()))
    if not 2 <= len(chosen) <= 4:
        raise ConfigError(f"{len(chosen)} run{'s' if len(chosen) != 1 else ''} chosen; compare takes 2 to 4.",
                          where="compare", fix="tick two to four runs in the table, then Compare.")
    comparison = compare_runs(chosen, studio.store)
    rows = [(label, values, comparison.differs(label)) for label, values in comparison.rows]
    return studio.page(request, "compare.html.j2", title="Runs compared", comparison=comparison, rows=rows,
                       differing=sum(d for _, _, d in rows))


def _number(value) -> float:
    return float("-inf") if value is None else float(value)
