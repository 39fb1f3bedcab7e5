import json

import numpy as np
import pandas as pd

from mlwright.data.prepare import prepare_training_data
from mlwright.data.schema import conform_columns
from mlwright.features import TableEncoder
from tests.conftest import make_mixed_frame


def prepared():
    return prepare_training_data(make_mixed_frame(), "label", None)


def test_encoders_learn_only_from_fit_rows():
    data = prepared()
    fit_rows = data.frame[data.frame["colour"] != "blue"]
    encoder = TableEncoder(data.schema, "tree").fit(fit_rows)
    X = encoder.transform(data.frame)
    colour = encoder.feature_names_.index("colour")
    blue = (data.frame["colour"] == "blue").to_numpy()
    assert np.all(X[blue, colour] == 2.0), "a category unseen in the fit rows gets the shared 'other' code"
    assert colour in encoder.categorical_indices_


def test_linear_style_is_scaled_imputed_and_one_hot():
    data = prepared()
    X = TableEncoder(data.schema, "linear").fit_transform(data.frame)
    assert not np.isnan(X).any()
    assert np.abs(X).max() <= 5.0
    names = TableEncoder(data.schema, "linear").fit(data.frame).feature_names_
    assert {"colour=red", "colour=green", "colour=blue", "x2__missing", "when.month", "note.words"} <= set(names)


def test_state_round_trip_and_single_row_path_give_identical_features():
    data = prepared()
    for style in ("tree", "linear"):
        encoder = TableEncoder(data.schema, style).fit(data.frame)
        restored = TableEncoder.from_state(data.schema, json.loads(json.dumps(encoder.to_state())))
        raw = make_mixed_frame().drop(columns="label")
        big, _ = conform_columns(raw, data.schema)
        small, _ = conform_columns(raw.iloc[[5]], data.schema)
        np.testing.assert_allclose(restored.transform(small, 1), encoder.transform(big)[[5]], equal_nan=True)


def test_date_parts_match_pandas_calendar_fields_including_before_1970_and_missing():
    import numpy as np
    import pandas as pd

    from mlwright.features.parts import DatetimePart

    rng = np.random.default_rng(0)
    stamps = pd.to_datetime(rng.integers(-2_000_000_000, 2_000_000_000, 500), unit="s").to_numpy().copy()
    stamps[::37] = np.datetime64("NaT")
    parts = DatetimePart.__new__(DatetimePart)._raw(stamps)
    index = pd.DatetimeIndex(stamps)
    expected = [index.year, index.month, index.day, index.day_of_week, index.hour,
                index.to_numpy(dtype="datetime64[s]").astype("int64") / 86400.0]
    for got, want in zip(parts, expected):
        np.testing.assert_allclose(got, np.where(index.isna(), np.nan, np.asarray(want, dtype=float)), equal_nan=True)
