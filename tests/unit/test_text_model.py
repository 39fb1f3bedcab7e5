"""The text model inside the folds: it learns the words that tell classes apart, gives the rows
it was fitted on out-of-fold scores, is fitted once per fold, and saves as plain data."""

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from mlwright._types import Task
from mlwright.data.schema import ColumnSpec, Schema
from mlwright.features import TableEncoder
from mlwright.features.parts import FitContext
from mlwright.features.text_model import TextModel, TextTarget
from tests.text_fixtures import make_reviews


def _reviews(rows=300, seed=0):
    frame = make_reviews(rows, seed)
    return frame["text"].tolist(), (frame["label"] == "pos").to_numpy().astype(int)


def test_the_text_model_separates_classes_on_rows_it_never_saw():
    texts, y = _reviews(300)
    new_texts, new_y = _reviews(200, seed=1)
    model = TextModel()
    fitted = model.fit_scores(texts, TextTarget(y, Task.BINARY, 2))
    assert fitted.shape[0] == 300 and fitted.shape[1] == len(model.names("review"))
    assert model.names("review")[0] == "review.text_model"
    assert roc_auc_score(y, fitted[:, 0]) > 0.9  # out-of-fold on the fit rows
    assert roc_auc_score(new_y, model.scores(new_texts)[:, 0]) > 0.9
    assert {"great", "boring"} <= set(model.vocabulary_)


def test_fit_rows_get_out_of_fold_scores_not_the_models_own():
    texts, y = _reviews(200)
    model = TextModel()
    fitted = model.fit_scores(texts, TextTarget(y, Task.BINARY, 2, seed=3))
    own = model.scores(texts)
    # a model scoring its own training texts separates them more confidently than held-out folds do
    assert not np.allclose(fitted[:, 0], own[:, 0])
    assert np.mean(np.abs(own[:, 0])) > np.mean(np.abs(fitted[:, 0]))


def test_saved_state_is_json_and_scores_the_same():
    texts, y = _reviews(150)
    model = TextModel()
    model.fit_scores(texts, TextTarget(y, Task.BINARY, 2))
    state = json.loads(json.dumps(model.state()))
    loaded = TextModel.from_state(state)
    np.testing.assert_array_equal(loaded.scores(texts[:20]), model.scores(texts[:20]))
    np.testing.assert_array_equal(loaded.scores(["never seen words only"]), model.scores(["never seen words only"]))


def test_multiclass_has_a_score_per_class_and_regression_one():
    texts, y = _reviews(240)
    three = y + (np.arange(240) % 2) * (y == 0) * 2  # classes 0, 1, 2
    model = TextModel()
    fitted = model.fit_scores(texts, TextTarget(three, Task.MULTICLASS, 3))
    assert [n for n in model.names("t") if "text_model" in n] == ["t.text_model_0", "t.text_model_1", "t.text_model_2"]
    assert fitted.shape[1] == 3 + len(model.components_)
    rating = y * 4.0 + np.random.default_rng(0).normal(0, 0.5, 240)
    regression = TextModel()
    scores = regression.fit_scores(texts, TextTarget(rating, Task.REGRESSION, 0))
    assert np.corrcoef(scores[:, 0], rating)[0, 1] > 0.5  # out-of-fold, 240 short texts


def test_without_labels_or_repeated_words_the_model_keeps_what_it_can():
    texts, _ = _reviews(50)
    unsupervised = TextModel()
    features = unsupervised.fit_scores(texts, None)
    assert features.shape == (50, len(unsupervised.components_)) and unsupervised.heads_ is None
    lonely = TextModel()
    assert lonely.fit_scores(["alpha", "beta", "gamma"], None).shape == (3, 0)
    assert lonely.scores(["alpha"]).shape == (1, 0)


def test_the_encoder_fits_each_fold_text_model_once_for_both_styles():
    texts, y = _reviews(200)
    frame = pd.DataFrame({"review": texts, "stars": np.arange(200) % 5})
    schema = Schema((ColumnSpec("review", "text"), ColumnSpec("stars", "numeric")))
    shared: dict = {}
    context = FitContext(TextTarget(y, Task.BINARY, 2), text_models=shared)
    trees = TableEncoder(schema, "tree")
    X_tree = trees.fit_transform(frame, context)
    linear = TableEncoder(schema, "linear")
    X_linear = linear.fit_transform(frame, context)
    assert list(shared) == ["review"] and trees.parts_[0].model is linear.parts_[0].model
    assert "review.text_model" in trees.feature_names_ and "review.svd_0" in linear.feature_names_
    position = trees.feature_names_.index("review.text_model")
    np.testing.assert_array_equal(X_tree[:, position], shared["review"][1][:, 0])
    assert np.isfinite(X_linear).all()
    restored = TableEncoder.from_state(schema, json.loads(json.dumps(trees.to_state())))
    np.testing.assert_array_equal(restored.transform(frame.head(7)), trees.transform(frame.head(7)))
    one_row = {"review": ["a great and wonderful film"], "stars": [4]}
    assert restored.transform(one_row).shape == (1, len(trees.feature_names_))


def test_missing_text_is_scored_like_an_empty_text():
    texts, y = _reviews(120)
    texts[:5] = [None] * 5
    frame = pd.DataFrame({"review": texts})
    schema = Schema((ColumnSpec("review", "text"),))
    encoder = TableEncoder(schema, "tree")
    X = encoder.fit_transform(frame, FitContext(TextTarget(y, Task.BINARY, 2)))
    assert np.isnan(X[:5, 0]).all()  # the length statistic says "missing"
    assert np.isfinite(X[:5, encoder.feature_names_.index("review.text_model")]).all()
    with pytest.raises(KeyError):
        encoder.transform({"other": ["x"]})


def test_scoring_terms_are_the_vectorizers_terms():
    from mlwright.features.text_model import _vectorizer, analyze

    vectorizer_terms = _vectorizer().build_analyzer()
    samples = ["Café crème, NAÏVE résumé!", "It's 2 o'clock — don't panic", "naïve\tcafé\nÉcole ÇA",
               "a b cc dd_ee 3d x1 ß straße", "日本語のテキスト と English", "", "   ", "ﬁne ﬂow (ligatures)"]
    for text in samples:
        assert analyze(text) == vectorizer_terms(text), text


def test_scores_match_the_presence_matrix_computation():
    from mlwright.features.text_model import _unit_rows, _vectorizer

    texts, y = _reviews(150)
    for target in (TextTarget(y, Task.BINARY, 2), TextTarget(y * 3.0, Task.REGRESSION, 0), None):
        model = TextModel()
        model.fit_scores(texts, target)
        presence = _vectorizer({t: i for i, t in enumerate(model.vocabulary_)}).transform(texts[:30] + [""])
        expected = [np.asarray(_unit_rows(presence) @ model.components_.T)]
        if model.heads_ is not None:
            expected.insert(0, model.heads_.decision(presence))
        np.testing.assert_allclose(model.scores(texts[:30] + [""]), np.hstack(expected), rtol=1e-5, atol=1e-6)


def test_no_address_or_phone_number_reaches_the_saved_vocabulary():
    texts, y = _reviews(120)
    texts = [t + (f" mail me at fan{i % 3}@films.example.com or +1 (415) 555-01{i % 3}9" if i % 2 else "")
             for i, t in enumerate(texts)]
    model = TextModel()
    model.fit_scores(texts, TextTarget(y, Task.BINARY, 2))
    saved = json.dumps(model.state())
    assert "emailaddress" in model.vocabulary_ and "phonenumber" in model.vocabulary_
    assert "films" not in saved and "example" not in saved and "415" not in saved and "fan1" not in saved
