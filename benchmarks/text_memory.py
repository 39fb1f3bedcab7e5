"""Training memory on many short texts (issue 21): 100,000 generated texts of 5 to 20 words drawn
from a Zipf-like vocabulary of 20,000 words, the label carried by a few of them.

    python benchmarks/text_memory.py --rows 100000 --budget 120

Writes the table into the cache and runs `mlwright train` on it in a child process under
``/usr/bin/time -v``, printing the peak resident memory and the wall time of the whole process.
"""

from __future__ import annotations

import argparse
import re
import string
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parent / ".cache" / "text_memory"


def generate(rows: int, seed: int = 0, vocabulary: int = 20_000) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    letters = np.array(list(string.ascii_lowercase))
    words = np.array(["".join(rng.choice(letters, size=rng.integers(3, 9))) for _ in range(vocabulary)])
    weights = 1.0 / np.arange(1, vocabulary + 1)
    weights /= weights.sum()
    lengths = rng.integers(5, 21, size=rows)
    drawn = rng.choice(vocabulary, size=int(lengths.sum()), p=weights)
    texts, start = [], 0
    for length in lengths:
        texts.append(" ".join(words[drawn[start:start + length]]))
        start += length
    signal = set(words[50:70])  # twenty fairly common words carry the label
    score = np.array([sum(w in signal for w in t.split()) for t in texts]) + rng.normal(0, 0.5, rows)
    return pd.DataFrame({"text": texts, "label": np.where(score > np.median(score), "yes", "no")})


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--budget", type=float, default=120.0)
    p.add_argument("--python", default=sys.executable, help="the interpreter with mlwright installed")
    args = p.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    data = CACHE / f"short_texts_{args.rows}.csv.gz"
    if not data.is_file():
        generate(args.rows).to_csv(data, index=False)
    command = ["/usr/bin/time", "-v", args.python, "-m", "mlwright", "train", str(data), "--target", "label",
               "--time-limit", str(args.budget), "--out", str(CACHE / "run"), "--store", f"sqlite:///{CACHE / 'store.db'}"]
    done = subprocess.run(command, capture_output=True, text=True)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time.*: ([\d:.]+)", done.stderr)
    estimate = re.search(r"Estimate .*", done.stdout)
    print(f"rows {args.rows:,}, budget {args.budget:g} s: exit {done.returncode}, peak RSS "
          f"{int(peak[1]) / 1024:,.0f} MB, wall {wall[1] if wall else '?'}; {estimate[0] if estimate else ''}")
    if done.returncode != 0:
        print(done.stderr[-3000:])


if __name__ == "__main__":
    main(sys.argv[1:])
