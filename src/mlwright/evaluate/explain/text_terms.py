"""The words behind a text column's part in a prediction, for people who read the explanation.

A text column reaches the ensemble through its text model's scores (``features.text_model``):
one score per class (one for two classes and for regression), the sum of the weights of the
words and word pairs a text contains. What is shown here is exactly that sum's terms: the words
that push the text model's score for the class explained up or down. The ensemble then uses the
score as one of the column's features, so these words explain the column's contribution, not
the final probability term by term.
"""

from __future__ import annotations

import pandas as pd

from mlwright.data.schema import TEXT


def text_models(model) -> dict:
    """Column name -> its fitted text model, from whichever of the model's encoders holds it."""
    found = {}
    for encoder in model.encoders.values():
        for part in encoder.parts_:
            if part.kind == TEXT and getattr(part, "model", None) is not None and part.model.heads_ is not None:
                found.setdefault(part.name, part.model)
    return found


def head_for(model, class_position: int) -> tuple[int, int]:
    """(the text model's head, its sign) for the class at ``class_position``: with two classes the
    one head scores the second class, so the first class reads it negated."""
    if model.task.is_classification and len(model.classes_) == 2:
        return 0, 1 if class_position == 1 else -1
    return (class_position if model.task.is_classification else 0), 1


def term_table(model, frame: pd.DataFrame, explained: list[int], top: int = 5) -> pd.DataFrame:
    """Long form: row, column, term, push (toward the row's explained class), the ``top`` largest
    pushes of each text column of each row."""
    lines = []
    for column, text_model in text_models(model).items():
        for row, (value, position) in enumerate(zip(frame[column], explained)):
            head, sign = head_for(model, int(position))
            text = value if isinstance(value, str) else ""
            for term, push in text_model.term_pushes(text, head)[:top]:
                lines.append({"row": row, "column": column, "term": term, "push": sign * push})
    return pd.DataFrame(lines, columns=["row", "column", "term", "push"])


def class_terms(model, n: int = 10) -> list[dict]:
    """Per text column and class, the words that push toward the class most and away from it
    most: what the report shows."""
    out = []
    classes = list(model.classes_) if model.task.is_classification else [model.target.name]
    for column, text_model in text_models(model).items():
        for position, label in enumerate(classes):
            if model.task.is_classification and len(classes) == 2 and position == 0:
                continue  # the second class's list, read backwards
            head, _ = head_for(model, position)
            up, down = text_model.strongest_terms(head, n)
            out.append({"column": column, "class": str(label), "toward": up, "away": down})
    return out
