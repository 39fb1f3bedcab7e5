"""Generated documents for the text tests: two classes told apart by some of their words, as
reviews are, with filler words both share. Small and made here, so no test needs a download."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

POSITIVE = ["great", "wonderful", "loved", "superb", "moving", "brilliant", "charming", "best"]
NEGATIVE = ["boring", "awful", "hated", "dull", "waste", "worst", "clumsy", "tedious"]
FILLER = ["the", "film", "a", "story", "actor", "scene", "was", "and", "plot", "director", "music", "of", "it",
          "this", "movie", "ending", "cast", "with", "really", "some"]


def make_reviews(rows: int = 300, seed: int = 0, words: int = 30, signal: float = 0.15) -> pd.DataFrame:
    """A frame with ``text`` and ``label`` (pos or neg): each word is a class word with
    probability ``signal`` (mostly of its own class), filler otherwise."""
    rng = np.random.default_rng(seed)
    labels = rng.choice(["pos", "neg"], size=rows)
    texts = []
    for label in labels:
        own, other = (POSITIVE, NEGATIVE) if label == "pos" else (NEGATIVE, POSITIVE)
        chosen = []
        for _ in range(words):
            draw = rng.random()
            pool = own if draw < signal * 0.75 else other if draw < signal else FILLER
            chosen.append(pool[rng.integers(len(pool))])
        texts.append(" ".join(chosen).capitalize() + ".")
    return pd.DataFrame({"text": texts, "label": labels})


def write_review_folder(root: Path, rows: int = 200, seed: int = 0, wrapper: str | None = "corpus") -> Path:
    """The reviews as files, ``root/wrapper/pos/*.txt`` and ``root/wrapper/neg/*.txt``, with a
    README beside the wrapper as collections ship them."""
    frame = make_reviews(rows, seed)
    base = root / wrapper if wrapper else root
    for index, (text, label) in enumerate(zip(frame["text"], frame["label"])):
        folder = base / label
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"doc{index:04d}.txt").write_text(text, encoding="utf-8")
    (root / "README.txt").write_text("Generated reviews for tests.", encoding="utf-8")
    return root
