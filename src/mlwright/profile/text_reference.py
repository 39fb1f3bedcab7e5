"""What is kept of a free-text column to tell later whether the texts a model meets have changed.

Texts are all different, so their values cannot be counted as categories are. Three signals are
kept instead, each compared by the statistics numbers and categories already use
(``monitor.statistics``):

- ``length``: each text's length in words (a numeric summary). Words, not characters: a text
  that quotes a longer order number is not a different text, and a template's lengths vary by
  a character or two, which would make the smallest change look large against their spread;
- ``uncommon words``: the share of each text's words outside the training texts' most common
  :data:`KNOWN_WORDS` (a numeric summary): new products, a new language, a new template;
- ``words``: the counts of the training texts' :data:`WORDS_COMPARED` most common words, the rest
  pooled (a categorical summary). Few categories on purpose: the population stability index of
  K categories carries a bias of about K / n, which a thousand words would turn into alarms.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from mlwright.profile.reference import numeric_summary

KNOWN_WORDS = 2_000
WORDS_COMPARED = 100
#: Texts whose words are counted at most (a random sample beyond).
WORD_TEXTS = 20_000
_WORD = re.compile(r"(?u)\b[^\W\d_]{2,}\b")
LENGTH, UNCOMMON, WORDS = "length in words", "uncommon words", "words"


def text_summary(values) -> dict:
    """The reference of one text column: its three signals, and the words it knows."""
    texts = pd.Series(np.asarray(values, dtype=object), copy=False)
    present = texts.dropna().astype(str)
    words = _words(_sampled(present))
    tally = pd.Series([w for ws in words for w in ws], dtype=object).value_counts()
    known = [str(w) for w in tally.index[:KNOWN_WORDS]]
    compared = tally.iloc[:WORDS_COMPARED]
    return {"kind": "text", "rows": int(texts.size), "missing": int(texts.size - present.size),
            "present": int(present.size), "known_words": known,
            LENGTH: numeric_summary(_lengths(texts)), UNCOMMON: numeric_summary(_uncommon(texts, set(known))),
            WORDS: {"kind": "categorical", "rows": int(tally.sum()), "missing": 0, "present": int(tally.sum()),
                    "distinct": int(tally.size), "counts": {str(k): int(v) for k, v in compared.items()},
                    "other": int(tally.iloc[WORDS_COMPARED:].sum())}}


def text_signals(summary: dict, values) -> list[tuple[str, dict, str, np.ndarray]]:
    """(signal, its reference summary, numeric or categorical, the current values) for each signal
    of ``values``, the current texts of a column summarised by ``text_summary``."""
    texts = pd.Series(np.asarray(values, dtype=object), copy=False)
    present = texts.dropna().astype(str)
    words = [w for ws in _words(_sampled(present)) for w in ws]
    return [(LENGTH, summary[LENGTH], "numeric", _lengths(texts)),
            (UNCOMMON, summary[UNCOMMON], "numeric", _uncommon(texts, set(summary["known_words"]))),
            (WORDS, summary[WORDS], "categorical", np.asarray(words, dtype=object))]


def _sampled(texts: pd.Series) -> pd.Series:
    return texts.sample(WORD_TEXTS, random_state=0) if len(texts) > WORD_TEXTS else texts


def _words(texts: pd.Series) -> list[list[str]]:
    return [_WORD.findall(text.lower()) for text in texts]


def _lengths(texts: pd.Series) -> np.ndarray:
    return np.array([len(t.split()) if isinstance(t, str) else np.nan for t in texts], dtype=np.float64)


def _uncommon(texts: pd.Series, known: set[str]) -> np.ndarray:
    """Per text, the share of its words outside ``known``; NaN for a missing text or one without words."""
    shares = np.full(len(texts), np.nan)
    for row, text in enumerate(texts):
        if isinstance(text, str):
            words = _WORD.findall(text.lower())
            if words:
                shares[row] = sum(w not in known for w in words) / len(words)
    return shares
