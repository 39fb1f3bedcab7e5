import numpy as np
from sklearn.base import clone

from mlwright import AutoClassifier, AutoRegressor
from tests.conftest import make_mixed_frame

SMALL = dict(time_limit=60, max_trials=2, families=("lightgbm", "linear"))


def test_classifier_follows_the_scikit_learn_contract():
    frame = make_mixed_frame(300)
    X, y = frame.drop(columns="label"), frame["label"]
    estimator = AutoClassifier(**SMALL)
    assert estimator.get_params()["max_trials"] == 2
    twin = clone(estimator).set_params(seed=4)
    assert twin.get_params()["seed"] == 4 and not hasattr(twin, "model_")
    assert estimator.fit(X, y) is estimator
    proba = estimator.predict_proba(X.head(10))
    assert proba.shape == (10, 2) and list(estimator.classes_) == ["no", "yes"]
    assert 0.6 < estimator.score(X, y) <= 1.0


def test_regressor_on_numpy_arrays(regression_frame):
    X = regression_frame[["a", "b"]].to_numpy()
    y = regression_frame["y"].to_numpy()
    model = AutoRegressor(**SMALL).fit(X, y)
    assert model.predict(X[:5]).shape == (5,)
    assert model.score(X, y) > 0.5
    assert np.isfinite(model.predict(X)).all()
