"""What recording a run costs: opening the store, logging one trial, finishing a run,
registering and loading a version back through the registry, on each store backend.

A run of the full suite logs at most a few hundred trials, so these figures say whether the
store can eat into a training budget. Each figure is the median of --repeat measurements.

Usage: python benchmarks/store_overhead.py [--repeat 50] [--postgres URL] [--mariadb URL]
(the default server URLs are the local ones; a backend that cannot be reached is skipped.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import mlwright  # noqa: E402
from mlwright.registry.store import open_store  # noqa: E402
from mlwright.registry.uris import load  # noqa: E402


def _fresh(admin_url: str) -> str | None:
    name = f"mlw_bench_{uuid.uuid4().hex[:8]}"
    try:
        with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001 - an unreachable server is skipped, and said so
        print(f"skipped {make_url(admin_url).get_backend_name()}: {str(exc).splitlines()[0]}")
        return None
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop(admin_url: str, url: str) -> None:
    name = make_url(url).database
    force = " WITH (FORCE)" if admin_url.startswith("postgresql") else ""
    with create_engine(admin_url, isolation_level="AUTOCOMMIT").connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))


def _median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def measure(url: str, model_dir: Path, artifacts: Path, repeat: int) -> dict[str, float]:
    open_store(url, artifacts=artifacts).close()  # create the tables once
    figures = {"open store": _median_ms(lambda: open_store(url, artifacts=artifacts).close(), max(repeat // 5, 3))}
    store = open_store(url, artifacts=artifacts)
    run_id = store.runs.start(target="label", params={"seed": 0}, source={"kind": "file"})
    trial = {"name": "lightgbm_1", "family": "lightgbm", "status": "ok", "score": 0.9, "fit_seconds": 1.2,
             "params": {"num_leaves": 31, "learning_rate": 0.05}}
    counter = iter(range(10**6))
    figures["log one trial"] = _median_ms(lambda: store.runs.log_trial(run_id, {**trial, "name": f"t{next(counter)}"}),
                                          repeat)
    figures["finish a run"] = _median_ms(lambda: store.runs.finish(run_id, metrics={"estimate": {"value": 0.9}},
                                                                   timings={"total": 1.0}), repeat)
    figures["register a version"] = _median_ms(lambda: store.models.register("bench", model_dir), max(repeat // 5, 3))
    figures["load models:/bench/latest"] = _median_ms(lambda: load("models:/bench/latest", store=url),
                                                      max(repeat // 5, 3))
    store.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--mariadb", default="mysql+pymysql://root@127.0.0.1:3306/test")
    args = parser.parse_args()
    from tests.conftest import FAST, make_mixed_frame

    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        mlwright.train(make_mixed_frame(), "label", out=scratch / "run", store=False, **FAST)
        backends = {"sqlite": (None, f"sqlite:///{scratch / 'store.db'}")}
        for name, admin in (("postgresql", args.postgres), ("mariadb", args.mariadb)):
            url = _fresh(admin)
            if url:
                backends[name] = (admin, url)
        results = {}
        try:
            for name, (_, url) in backends.items():
                results[name] = measure(url, scratch / "run", scratch / f"artifacts-{name}", args.repeat)
        finally:
            for name, (admin, url) in backends.items():
                if admin:
                    _drop(admin, url)
    rows = list(next(iter(results.values())))
    print(f"median ms over {args.repeat} repeats ({os.cpu_count()} cores)")
    print("| operation | " + " | ".join(results) + " |")
    print("| --- | " + " | ".join("---:" for _ in results) + " |")
    for row in rows:
        print(f"| {row} | " + " | ".join(f"{results[b][row]:.1f}" for b in results) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
