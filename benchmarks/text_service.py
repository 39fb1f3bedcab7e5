"""One-row latency of a text model behind `mlwright serve` (issue 21), as a client sees it.

Trains on 1,800 of the movie reviews (the first fold of ``benchmarks/text.py``'s split), starts
`mlwright serve` on 127.0.0.1, and posts the 200 held-out reviews one at a time, each as a JSON
record ``{"text": ...}``, waiting for each answer before the next (closed loop). Reports the
median and 90th percentile of the wall time per request, and the service's own ``latency_ms``.

    python benchmarks/text_service.py [--budget 120] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--requests", type=int, default=200)
    args = p.parse_args(argv)
    import httpx
    from sklearn.model_selection import StratifiedKFold

    from mlwright.data.documents import read_documents

    reviews = read_documents(REPO.parent / "shared" / "datasets" / "raw_review_polarity.tar.gz")
    train_rows, test_rows = next(StratifiedKFold(10, shuffle=True, random_state=0).split(reviews, reviews["label"]))
    mlwright = str(Path(sys.executable).with_name("mlwright"))
    with tempfile.TemporaryDirectory(prefix="mlwright-text-service-") as folder:
        work = Path(folder)
        reviews.iloc[train_rows][["text", "label"]].to_csv(work / "train.csv", index=False)
        subprocess.run([mlwright, "train", str(work / "train.csv"), "--target", "label", "--time-limit",
                        str(args.budget), "--out", str(work / "run"), "--store", f"sqlite:///{work / 's.db'}"],
                       check=True, capture_output=True)
        port = free_port()
        service = subprocess.Popen([mlwright, "serve", str(work / "run"), "--port", str(port), "--host", "127.0.0.1",
                                    "--store", f"sqlite:///{work / 's.db'}"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            for _ in range(120):
                try:
                    if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.5)
            texts = reviews.iloc[test_rows]["text"].tolist()
            walls, inside = [], []
            with httpx.Client(base_url=url, timeout=30) as client:
                for i in range(args.requests + 10):
                    started = time.perf_counter()
                    answer = client.post("/predict", json={"text": texts[i % len(texts)]})
                    wall = (time.perf_counter() - started) * 1000
                    answer.raise_for_status()
                    if i >= 10:  # the first requests warm the service
                        walls.append(wall)
                        inside.append(answer.json()["latency_ms"])
        finally:
            service.terminate()
            service.wait(timeout=30)
    walls.sort()
    result = {"requests": len(walls), "budget": args.budget, "cpu_count": os.cpu_count(),
              "median_words": int(statistics.median(len(t.split()) for t in texts)),
              "client_ms_p50": round(statistics.median(walls), 2), "client_ms_p90": round(walls[int(0.9 * len(walls))], 2),
              "service_ms_p50": round(statistics.median(inside), 2)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "text_service.json").write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main(sys.argv[1:])
