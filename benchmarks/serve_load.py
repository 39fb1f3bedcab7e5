"""Load-test `mlwright serve` with wrk: single-record latency, throughput and a 10,000-row batch.

For each dataset: train a GBM-only model on the benchmark's training split (or reuse the one
cached from an earlier run with the same settings), then start `mlwright serve` on 127.0.0.1
and measure, from outside the process, what a client sees:

- latency at 1 worker: wrk with one connection (closed loop: the next request leaves when the
  answer arrives), each request one held-out row, cycling through many different rows;
- throughput at 1 and 2 workers: wrk with several connections, requests per second;
- errors: wrk's socket errors plus responses with a status of 400 or more (must be 0);
- a batch: one POST of 10,000 records, wall time from a client (median of 5, after a warm-up);
- for reference, the in-process latency of the same model (``predict_table`` on a 1-row
  DataFrame, median of 200) and AutoGluon's in-process one-row latency from BENCHMARKS.md.

The load generator runs on the same machine as the service and shares its cores: on a 2-core
machine with 2 workers, wrk and the two workers compete, so the throughput at 2 workers is
what the machine gives to the whole setup, not the service's ceiling. Traffic goes only to
127.0.0.1, and every wrk run is bounded by --duration.

Usage: python benchmarks/serve_load.py [--datasets a,b] [--budget 30] [--duration 15]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd

from manifest import DEFAULT_DATASETS_DIR, REPO_ROOT, Dataset, load_manifest, select
from splits import ensure_split

DEFAULT_DATASETS = ("pmlb_adult", "raw_adult", "pmlb_magic", "pmlb_197_cpu_act", "seaborn_diamonds")
MODELS_DIR = REPO_ROOT / "benchmarks" / ".cache" / "serve_models"
LUA_SCRIPT = Path(__file__).with_name("wrk_predict.lua")
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
HOST = "127.0.0.1"
#: The issue's targets: single-record p50 and p99 at 1 worker (ms), requests/s at 2 workers,
#: seconds for a batch of 10,000 rows.
TARGETS = {"p50_ms": 3.0, "p99_ms": 15.0, "rps_2_workers": 1000.0, "batch_s": 1.0}


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(DEFAULT_DATASETS), help="comma-separated manifest names")
    p.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    p.add_argument("--families", default="lightgbm", help="model families to train, comma-separated")
    p.add_argument("--budget", type=float, default=30.0, help="training seconds per dataset")
    p.add_argument("--retrain", action="store_true", help="train again even when a cached model exists")
    p.add_argument("--duration", type=int, default=15, help="seconds per wrk run")
    p.add_argument("--warmup", type=int, default=3, help="seconds of wrk before each measured run")
    p.add_argument("--connections-1", type=int, default=4, help="wrk connections for throughput at 1 worker")
    p.add_argument("--connections-2", type=int, default=16, help="wrk connections for throughput at 2 workers")
    p.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (each takes a core from the service)")
    p.add_argument("--bodies", type=int, default=2000, help="distinct held-out rows cycled through")
    p.add_argument("--batch-rows", type=int, default=10_000)
    p.add_argument("--batch-repeats", type=int, default=5)
    p.add_argument("--serve-args", default="", help="extra options for `mlwright serve`, e.g. '--no-log-predictions'")
    p.add_argument("--output", type=Path, default=RESULTS_DIR / "serve_load.json")
    return p.parse_args(argv)


# ---------------------------------------------------------------- models and rows


def model_dir(ds: Dataset, args: argparse.Namespace) -> Path:
    """The saved model for ``ds``, trained now unless one with the same settings is cached."""
    families = tuple(f.strip() for f in args.families.split(",") if f.strip())
    out = MODELS_DIR / f"{ds.name}-{'+'.join(families)}-{args.budget:g}s"
    if (out / "model").is_dir() and not args.retrain:
        return out / "model"
    import mlwright

    if out.exists():
        shutil.rmtree(out)
    train_path, _ = ensure_split(ds, args.datasets_dir)
    started = time.perf_counter()
    mlwright.train(pd.read_parquet(train_path), target=ds.target, time_limit=args.budget, task=ds.task,
                   metric=ds.metric, families=families, seed=0, n_jobs=2, out=str(out), store=False,
                   progress=False)
    print(f"  trained {out.name} in {time.perf_counter() - started:.0f} s", flush=True)
    return out / "model"


def held_out_rows(ds: Dataset, args: argparse.Namespace) -> pd.DataFrame:
    """The test split without the target: the rows a client would send."""
    _, test_path = ensure_split(ds, args.datasets_dir)
    return pd.read_parquet(test_path).drop(columns=[ds.target])


def in_process_latency_ms(path: Path, test: pd.DataFrame, repeats: int = 200) -> float:
    """Median ``predict_table`` time on a 1-row DataFrame, different held-out rows in turn,
    after a warm-up: the same protocol as BENCHMARKS.md's latency column."""
    import mlwright

    model = mlwright.load(path)
    rows = [test.iloc[[i % len(test)]] for i in range(repeats)]
    model.predict_table(rows[0])
    times = []
    for one in rows:
        started = time.perf_counter()
        model.predict_table(one)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def autogluon_latency_ms(dataset: str, benchmarks_md: Path = REPO_ROOT / "BENCHMARKS.md") -> float | None:
    """AutoGluon's in-process one-row latency p50 from the dataset's table in BENCHMARKS.md."""
    if not benchmarks_md.is_file():
        return None
    text = benchmarks_md.read_text(encoding="utf-8")
    section = re.search(rf"^### {re.escape(dataset)}\n(.*?)(?=^##)", text, re.MULTILINE | re.DOTALL)
    if section is None:
        return None
    lines = [line for line in section.group(1).splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    for line in lines[2:]:
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        if cells[0] == "autogluon" and "latency p50 (ms)" in header:
            try:
                return float(cells[header.index("latency p50 (ms)")].replace(",", ""))
            except ValueError:
                return None
    return None


# ---------------------------------------------------------------- the service


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Service:
    """`mlwright serve` in a subprocess of its own process group, stopped on exit."""

    def __init__(self, model: Path, workers: int, folder: Path, extra: tuple[str, ...] = ()):
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        command = [sys.executable, "-m", "mlwright", "serve", str(model.resolve()), "--host", HOST,
                   "--port", str(self.port), "--workers", str(workers), *extra]
        self.log = tempfile.TemporaryFile()
        # run in a scratch folder: whatever the service keeps beside it (its store, the prediction
        # log's spool) stays out of the project's own
        environment = {k: v for k, v in os.environ.items() if k != "MLWRIGHT_STORE"}
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, cwd=folder,
                                        env=environment, start_new_session=True)

    def __enter__(self) -> "Service":
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mlwright serve exited ({self.process.returncode}):\n{self._tail()}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        self.__exit__()
        raise RuntimeError(f"mlwright serve was not ready in 120 s:\n{self._tail()}")

    def __exit__(self, *_) -> None:
        # the whole group: uvicorn's worker processes go with their parent
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def _tail(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-3000:]


def wrk(url: str, *, seconds: int, connections: int, threads: int, bodies: Path | None) -> dict:
    """One wrk run (bounded by ``seconds``); the numbers its Lua ``done`` hook prints."""
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", str(LUA_SCRIPT), url]
    if bodies is not None:
        command += ["--", str(bodies)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=False)
    found = re.search(r"^WRK_JSON (.*)$", run.stdout, re.MULTILINE)
    if run.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed ({run.returncode}): {run.stderr.strip() or run.stdout.strip()}")
    raw = json.loads(found.group(1))
    errors = sum(raw[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts"))
    # recorded without this machine's paths, nor the port chosen afresh each run
    shown = [_portable(LUA_SCRIPT) if part == str(LUA_SCRIPT) else
             re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", part) if part == url else part for part in command]
    return {"command": " ".join(shown[:-2] if bodies else shown), "requests": raw["requests"],
            "rps": raw["requests"] / (raw["duration_us"] / 1e6), "p50_ms": raw["p50_us"] / 1000,
            "p90_ms": raw["p90_us"] / 1000, "p99_ms": raw["p99_us"] / 1000, "max_ms": raw["max_us"] / 1000,
            "errors": errors, "raw": raw}


def _portable(path: Path) -> str:
    """A path as the results file records it: relative to the project (or to the datasets'
    folder beside it), never this machine's absolute path."""
    path = Path(path).resolve()
    for root, shown in ((REPO_ROOT, ""), (REPO_ROOT.parent, "../")):
        if path.is_relative_to(root):
            return shown + str(path.relative_to(root))
    return path.name


def check_answer(url: str, record: dict) -> None:
    """One request by hand before the load: a wrong answer must fail loudly, not be timed."""
    response = httpx.post(f"{url}/predict", json=record, timeout=10)
    if response.status_code != 200 or "predictions" not in response.json():
        raise RuntimeError(f"/predict answered {response.status_code}: {response.text[:500]}")


def batch_seconds(url: str, records: list[dict], rows: int, repeats: int) -> dict:
    """Wall time of one POST of ``rows`` records, from the client: median of ``repeats``.
    Held-out rows are repeated when the test split has fewer."""
    body = json.dumps([records[i % len(records)] for i in range(rows)]).encode()
    headers = {"Content-Type": "application/json"}
    times = []
    with httpx.Client(timeout=120) as client:
        for attempt in range(repeats + 1):  # the first is a warm-up
            started = time.perf_counter()
            response = client.post(f"{url}/predict", content=body, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or len(response.json()["predictions"]) != rows:
                raise RuntimeError(f"batch answered {response.status_code}: {response.text[:500]}")
            if attempt:
                times.append(elapsed)
    return {"median_s": statistics.median(times), "times_s": times, "body_mb": len(body) / 1e6,
            "distinct_rows": min(rows, len(records))}


# ---------------------------------------------------------------- one dataset


def measure(ds: Dataset, args: argparse.Namespace, scratch: Path) -> dict:
    path = model_dir(ds, args)
    test = held_out_rows(ds, args)
    records = json.loads(test.to_json(orient="records", date_format="iso"))  # JSON-safe, as a client sends
    bodies = scratch / f"{ds.name}.jsonl"
    bodies.write_text("".join(json.dumps(r) + "\n" for r in records[:args.bodies]), encoding="utf-8")
    result = {"dataset": ds.name, "task": ds.task, "model": str(path.relative_to(REPO_ROOT)),
              "members": _members(path), "distinct_bodies": min(args.bodies, len(records)),
              "in_process_ms": in_process_latency_ms(path, test), "autogluon_in_process_ms": autogluon_latency_ms(ds.name)}
    load = dict(seconds=args.duration, threads=args.wrk_threads, bodies=bodies)
    extra = tuple(shlex.split(args.serve_args))
    with Service(path, 1, scratch, extra) as service:
        check_answer(service.url, records[0])
        wrk(service.url, **{**load, "seconds": args.warmup}, connections=args.connections_1)
        result["latency_1_worker"] = wrk(service.url, **load, connections=1)
        result["throughput_1_worker"] = wrk(service.url, **load, connections=args.connections_1)
        result["health_1_worker"] = wrk(f"{service.url}/health", seconds=args.duration, threads=1,
                                        connections=1, bodies=None)
        result["batch"] = batch_seconds(service.url, records, args.batch_rows, args.batch_repeats)
    with Service(path, 2, scratch, extra) as service:
        wrk(service.url, **{**load, "seconds": args.warmup}, connections=args.connections_2)
        result["throughput_2_workers"] = wrk(service.url, **load, connections=args.connections_2)
    return result


def measure_with_retry(ds: Dataset, args: argparse.Namespace, scratch: Path) -> dict:
    """``measure``, tried a second time when the service or wrk fails (a port taken between
    choosing and binding it, a slow start); the second failure is recorded, not raised."""
    error = ""
    for attempt in (1, 2):
        load_before = os.getloadavg()[0]
        try:
            result = measure(ds, args, scratch)
        except (RuntimeError, subprocess.TimeoutExpired, httpx.HTTPError) as exc:
            error = str(exc)
            print(f"  attempt {attempt} failed: {error[:500]}", flush=True)
            continue
        # the machine's load around the measures: other work on the same cores shows up here
        result["load_average_1min"] = [load_before, os.getloadavg()[0]]
        return result
    return {"dataset": ds.name, "error": error[:2000]}


def _members(path: Path) -> list[str]:
    import mlwright

    return [f"{m.name}×{m.weight:.2f}" for m in mlwright.load(path).members]


def row(result: dict) -> dict:
    """The table's numbers for one dataset."""
    latency, errors = result["latency_1_worker"], sum(
        result[k]["errors"] for k in ("latency_1_worker", "throughput_1_worker", "throughput_2_workers"))
    return {"dataset": result["dataset"], "p50 ms": latency["p50_ms"], "p99 ms": latency["p99_ms"],
            "req/s 1 worker": result["throughput_1_worker"]["rps"],
            "req/s 2 workers": result["throughput_2_workers"]["rps"], "errors": errors,
            "10k batch s": result["batch"]["median_s"], "in-process ms": result["in_process_ms"],
            "AutoGluon in-process ms": result["autogluon_in_process_ms"],
            "GET /health p50 ms": result["health_1_worker"]["p50_ms"]}


def markdown(results: list[dict]) -> str:
    rows = [row(r) for r in results if "error" not in r]
    if not rows:
        return "(no dataset finished)"
    header = list(rows[0])
    lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
    for values in rows:
        lines.append("| " + " | ".join(_cell(values[k]) for k in header) + " |")
    lines += [f"| {r['dataset']} | failed: {r['error']} |" for r in results if "error" in r]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.2f}"
    return str(value)


def verdict(results: list[dict]) -> dict:
    """Whether every finished dataset meets each target of the issue."""
    rows = [row(r) for r in results if "error" not in r]
    return {"p50 under 3 ms": all(r["p50 ms"] < TARGETS["p50_ms"] for r in rows),
            "p99 under 15 ms": all(r["p99 ms"] < TARGETS["p99_ms"] for r in rows),
            "1,000 req/s at 2 workers": all(r["req/s 2 workers"] >= TARGETS["rps_2_workers"] for r in rows),
            "10k batch under 1 s": all(r["10k batch s"] < TARGETS["batch_s"] for r in rows),
            "no errors": all(r["errors"] == 0 for r in rows)} if rows else {}


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk).")
    chosen = select(load_manifest(args.datasets_dir), [n.strip() for n in args.datasets.split(",") if n.strip()])
    started = datetime.now(UTC)
    results = []
    with tempfile.TemporaryDirectory(prefix="serve-load-") as scratch:
        for ds in chosen:
            print(f"{ds.name}", flush=True)
            results.append(measure_with_retry(ds, args, Path(scratch)))
    table = markdown(results)
    print(table)
    print(json.dumps(verdict(results), indent=2))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({
        "command": "python benchmarks/serve_load.py " + " ".join(argv), "started": started.isoformat(timespec="seconds"),
        "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                    "wrk": subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("\n")[0]},
        "settings": {k: _portable(v) if isinstance(v, Path) else v for k, v in vars(args).items()},
        "targets": TARGETS, "verdict": verdict(results), "table": table, "results": results,
    }, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output}")


if __name__ == "__main__":
    main(sys.argv[1:])
