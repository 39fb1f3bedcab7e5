import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_frame
from mlwright.data.schema import conform, conform_columns, infer_schema
from tests.conftest import make_mixed_frame


def kinds(frame):
    cleaned, _ = clean_frame(frame)
    return {c.name: c.kind for c in infer_schema(cleaned).columns}


def test_every_kind_is_recognised():
    found = kinds(make_mixed_frame().drop(columns="label"))
    assert found == {"row_id": "identifier", "x1": "numeric", "x2": "numeric", "colour": "categorical",
                     "size": "ordinal", "when": "datetime", "constant": "constant", "note": "text"}


def test_numbers_written_as_text_with_some_garbage_become_numeric():
    values = [str(i) for i in range(100)] + ["oops"]
    cleaned, notes = clean_frame(pd.DataFrame({"n": values}))
    assert cleaned["n"].dtype.kind == "f"
    assert cleaned["n"].isna().sum() == 1
    assert any("1 values that are not numbers" in n for n in notes)


def test_quotes_spaces_and_infinities_are_cleaned():
    cleaned, _ = clean_frame(pd.DataFrame({"q": ["'-1'", " '1'", "'-1' "] * 5, "f": [1.0, np.inf, 2.0] * 5}))
    assert set(cleaned["q"].dropna()) == {-1.0, 1.0}
    assert cleaned["f"].isna().sum() == 5


def test_conform_ignores_extra_and_reordered_columns_and_fast_path_matches():
    frame = make_mixed_frame(60).drop(columns="label")
    cleaned, _ = clean_frame(frame)
    schema = infer_schema(cleaned)
    shuffled = frame[list(reversed(frame.columns))].assign(extra=1)
    big, notes = conform(shuffled, schema)
    assert "extra" not in big.columns and any("extra" in n for n in notes)
    small, _ = conform_columns(shuffled.iloc[:3], schema)
    for name in small:
        left, right = np.asarray(small[name]), big[name].iloc[:3].to_numpy()
        if left.dtype.kind == "M":  # the same instants; the unit (ns or us) may differ between the paths
            left, right = left.astype("datetime64[ns]"), right.astype("datetime64[ns]")
        assert pd.Series(left).equals(pd.Series(right)) or np.allclose(left.astype(float), right.astype(float),
                                                                      equal_nan=True)
